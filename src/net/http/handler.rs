//! Request handling: routing, CORS, conditional GET, ranges, gzip, and the access log and metrics per request.

use super::conditional::{self, ByteRange, RangeRequest};
use super::files::{self, LargeFile, Lookup, PathRejection, Representation};
use super::{AccessRecord, PeerAddr, Shared, page, policy};
use crate::net::live::{LiveFile, WaitError};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts as Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use std::io::{Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::io::AsyncReadExt;

/// Headers a player's script may read on a cross-origin response (hls.js and dash.js look at these).
const EXPOSE: &str = "Content-Length, Content-Range, Content-Encoding, Accept-Ranges, ETag, Last-Modified, Date, Age";
const ALLOW_METHODS: &str = "GET, HEAD, OPTIONS";
const DEFAULT_ALLOW_HEADERS: &str = "Range, If-None-Match, If-Modified-Since, If-Range, Accept-Encoding, Origin";

/// The one handler behind every route: it answers, then records metrics and the access line.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    req: axum::extract::Request,
) -> Response {
    // Only the head is needed (GET and HEAD bodies are ignored), and unlike the body it can be shared across
    // awaits.
    let (req, _body) = req.into_parts();
    let started = Instant::now();
    let mut response = route(&shared, &req, peer).await;
    add_cors(response.headers_mut());
    let status = response.status().as_u16();
    let bytes = if req.method == Method::HEAD {
        0
    } else {
        response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let elapsed = started.elapsed();
    shared.metrics.record(status, bytes, elapsed);
    if let Some(log) = &shared.access_log {
        let text = |name: HeaderName| req.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        let target = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        log(&AccessRecord {
            time: SystemTime::now(),
            peer,
            method: req.method.as_str(),
            target,
            version: version_name(&req),
            status,
            bytes,
            referer: text(header::REFERER),
            user_agent: text(header::USER_AGENT),
            elapsed,
        });
    }
    response
}

fn version_name(req: &Request) -> &'static str {
    match req.version {
        axum::http::Version::HTTP_10 => "HTTP/1.0",
        axum::http::Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    }
}

async fn route(shared: &Arc<Shared>, req: &Request, peer: std::net::SocketAddr) -> Response {
    let method = &req.method;
    if method == Method::OPTIONS {
        return preflight(&req.headers);
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = status_response(StatusCode::METHOD_NOT_ALLOWED);
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(ALLOW_METHODS));
        return r;
    }
    let path = req.uri.path();
    match path {
        "/" => return page::index(method),
        "/metrics" => {
            return text_response(
                method,
                "text/plain; version=0.0.4; charset=utf-8",
                "no-store",
                Bytes::from(shared.metrics.render()),
            );
        }
        "/api/streams" => {
            let body = serde_json::to_vec(&shared.live.list()).unwrap_or_default();
            return text_response(method, "application/json", "no-store", Bytes::from(body));
        }
        "/_reel/api/packages" => {
            let root = shared.files.root().to_path_buf();
            let live = shared.live.list();
            let body = tokio::task::spawn_blocking(move || page::packages_json(&root, &live))
                .await
                .unwrap_or_default();
            return text_response(method, "application/json", "no-store", Bytes::from(body));
        }
        _ => {}
    }
    if let Some(asset) = path.strip_prefix("/_reel/") {
        return page::asset(method, &req.headers, asset);
    }
    let segments = match files::decode_path(path) {
        Ok(s) => s,
        Err(PathRejection::Malformed) => return status_response(StatusCode::BAD_REQUEST),
        Err(PathRejection::Forbidden) => return status_response(StatusCode::FORBIDDEN),
    };
    if segments.len() >= 3
        && segments[0] == "live"
        && let Some(stream) = shared.live.get(&segments[1])
    {
        let name = segments[2..].join("/");
        if name.ends_with(".m3u8") || name.ends_with(".mpd") {
            stream.record_viewer(peer);
        }
        return serve_live(req, &stream, &name).await;
    }
    let lookup = match shared.files.lookup_cached(&segments) {
        Some(found) => {
            shared.metrics.cache_hit();
            found
        }
        None => {
            shared.metrics.cache_miss();
            let shared = shared.clone();
            let segs = segments.clone();
            match tokio::task::spawn_blocking(move || shared.files.load(&segs)).await {
                Ok(found) => found,
                Err(_) => return status_response(StatusCode::INTERNAL_SERVER_ERROR),
            }
        }
    };
    match lookup {
        Lookup::Memory(rep) => respond(method, &req.headers, &rep),
        Lookup::Stream(file) => respond_file(method, &req.headers, file).await,
        Lookup::Directory(dir) => {
            if !shared.listing {
                return status_response(StatusCode::NOT_FOUND);
            }
            if !path.ends_with('/') {
                let mut r = status_response(StatusCode::MOVED_PERMANENTLY);
                if let Ok(v) = HeaderValue::from_str(&format!("{path}/")) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return r;
            }
            let html = tokio::task::spawn_blocking(move || page::listing(&dir))
                .await
                .unwrap_or_default();
            text_response(method, "text/html; charset=utf-8", "no-cache", Bytes::from(html))
        }
        // Browsers ask for it on every page; an empty answer keeps their consoles free of 404s.
        Lookup::NotFound if path == "/favicon.ico" => {
            text_response(method, "image/x-icon", "public, max-age=86400", Bytes::new())
        }
        Lookup::NotFound => status_response(StatusCode::NOT_FOUND),
        Lookup::Outside => status_response(StatusCode::FORBIDDEN),
    }
}

/// A live stream's playlist (optionally a blocking reload) or segment, from the registry.
async fn serve_live(req: &Request, stream: &crate::net::live::LiveStream, name: &str) -> Response {
    let query = req.uri.query().unwrap_or("");
    let param = |key: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(str::to_string)
    };
    let (msn, part) = (param("_HLS_msn"), param("_HLS_part"));
    let blocking = msn.is_some();
    let found = if let Some(msn) = msn {
        let Ok(msn) = msn.parse::<u64>() else {
            return status_response(StatusCode::BAD_REQUEST);
        };
        let part = match part.map(|p| p.parse::<u64>()) {
            None => None,
            Some(Ok(p)) => Some(p),
            Some(Err(_)) => return status_response(StatusCode::BAD_REQUEST),
        };
        stream
            .wait_playlist(name, msn, part)
            .await
            .map(|(p, at)| (LiveFile::Playlist(p), at))
    } else if part.is_some() {
        return status_response(StatusCode::BAD_REQUEST);
    } else {
        stream.wait_file(name, Duration::from_secs(10)).await
    };
    let (file, published) = match found {
        Ok(f) => f,
        Err(WaitError::NotFound) => return status_response(StatusCode::NOT_FOUND),
        Err(WaitError::TooFarAhead) => return status_response(StatusCode::BAD_REQUEST),
        Err(WaitError::TimedOut) => return status_response(StatusCode::SERVICE_UNAVAILABLE),
    };
    let rep = match file {
        LiveFile::Segment(data) => Representation::new(data, name, published, &policy::segment_cache_control()),
        LiveFile::Playlist(p) => {
            // An ended live playlist is cached as live: a publisher that comes back revives it.
            let cache_control = if blocking && !p.ended {
                // A blocking request's URL names one playlist version: an edge may keep it as long as the
                // window holds it.
                format!(
                    "public, max-age={}",
                    (p.target_duration * 3.0).ceil().clamp(1.0, 60.0) as u64
                )
            } else {
                policy::live_cache_control(p.target_duration)
            };
            Representation::new(p.text, name, published, &cache_control)
        }
    };
    respond(&req.method, &req.headers, &rep)
}

/// Validators and caching headers shared by 200, 206, 304 and 416.
fn base_headers(
    headers: &mut HeaderMap,
    etag: &HeaderValue,
    last_modified: &HeaderValue,
    cache_control: &HeaderValue,
    vary: bool,
) {
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::LAST_MODIFIED, last_modified.clone());
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if vary {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

fn header_str(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// 304 when the client's copy is current (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2).
fn not_modified(headers: &HeaderMap, etags: &[&str], modified: SystemTime) -> bool {
    if let Some(inm) = header_str(headers, header::IF_NONE_MATCH) {
        return conditional::if_none_match(inm, etags);
    }
    header_str(headers, header::IF_MODIFIED_SINCE).is_some_and(|ims| conditional::not_modified_since(ims, modified))
}

/// The ranges to send, honouring If-Range; `None` for a full response.
fn requested_ranges(method: &Method, headers: &HeaderMap, etag: &str, modified: SystemTime, len: u64) -> RangeRequest {
    if method != Method::GET {
        return RangeRequest::Full;
    }
    let Some(range) = header_str(headers, header::RANGE) else {
        return RangeRequest::Full;
    };
    if let Some(if_range) = header_str(headers, header::IF_RANGE)
        && !conditional::if_range_matches(if_range, etag, modified)
    {
        return RangeRequest::Full;
    }
    conditional::parse_range(range, len)
}

/// Answers from a representation in memory.
pub(crate) fn respond(method: &Method, req: &HeaderMap, rep: &Representation) -> Response {
    let vary = policy::compressible(rep.kind);
    let etag = rep.etag.to_str().unwrap_or("");
    let use_gzip = rep.gzip.is_some()
        && !req.contains_key(header::RANGE)
        && header_str(req, header::ACCEPT_ENCODING).is_some_and(conditional::accepts_gzip);
    let chosen_etag = if use_gzip { &rep.gzip_etag } else { &rep.etag };
    let mut builder = Response::builder();
    if let Some(h) = builder.headers_mut() {
        base_headers(h, chosen_etag, &rep.last_modified_value, &rep.cache_control, vary);
    }
    if not_modified(req, &[etag, rep.gzip_etag.to_str().unwrap_or("")], rep.last_modified) {
        return finish(builder.status(StatusCode::NOT_MODIFIED), Body::empty());
    }
    builder = builder.header(header::CONTENT_TYPE, rep.content_type.clone());
    if use_gzip && let Some(gz) = &rep.gzip {
        builder = builder
            .header(header::CONTENT_ENCODING, "gzip")
            .header(header::CONTENT_LENGTH, gz.len());
        return finish(builder, body_for(method, gz.clone()));
    }
    let len = rep.body.len() as u64;
    match requested_ranges(method, req, etag, rep.last_modified, len) {
        RangeRequest::Full => finish(
            builder.header(header::CONTENT_LENGTH, len),
            body_for(method, rep.body.clone()),
        ),
        RangeRequest::Unsatisfiable => unsatisfiable(builder, len),
        RangeRequest::Ranges(ranges) if ranges.len() == 1 => {
            let r = ranges[0];
            let slice = rep.body.slice(r.start as usize..r.end as usize);
            finish(
                builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, r.content_range(len))
                    .header(header::CONTENT_LENGTH, r.len()),
                body_for(method, slice),
            )
        }
        RangeRequest::Ranges(ranges) => {
            let content_type = rep.content_type.to_str().unwrap_or("application/octet-stream");
            let (boundary, body) = multipart(&rep.body, &ranges, content_type);
            if let Some(h) = builder.headers_mut()
                && let Ok(v) = HeaderValue::from_str(&format!("multipart/byteranges; boundary={boundary}"))
            {
                h.insert(header::CONTENT_TYPE, v);
            }
            finish(
                builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_LENGTH, body.len()),
                body_for(method, body),
            )
        }
    }
}

/// Builds a `multipart/byteranges` body (RFC 9110 §14.6).
fn multipart(data: &Bytes, ranges: &[ByteRange], content_type: &str) -> (String, Bytes) {
    let boundary = "reel-byteranges-7d1f0c";
    let total = data.len() as u64;
    let mut out = Vec::new();
    for r in ranges {
        out.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: {content_type}\r\n").as_bytes());
        out.extend_from_slice(format!("Content-Range: {}\r\n\r\n", r.content_range(total)).as_bytes());
        out.extend_from_slice(&data[r.start as usize..r.end as usize]);
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary.to_string(), Bytes::from(out))
}

/// Answers from a large file, streamed from disk in chunks (never read whole).
async fn respond_file(method: &Method, req: &HeaderMap, file: LargeFile) -> Response {
    let etag = file.etag.to_str().unwrap_or("").to_string();
    let mut builder = Response::builder();
    if let Some(h) = builder.headers_mut() {
        base_headers(h, &file.etag, &file.last_modified_value, &file.cache_control, false);
    }
    if not_modified(req, &[&etag], file.last_modified) {
        return finish(builder.status(StatusCode::NOT_MODIFIED), Body::empty());
    }
    builder = builder.header(header::CONTENT_TYPE, file.content_type.clone());
    let len = file.len;
    let (range, status) = match requested_ranges(method, req, &etag, file.last_modified, len) {
        RangeRequest::Unsatisfiable => return unsatisfiable(builder, len),
        RangeRequest::Ranges(v) if v.len() == 1 => (v[0], StatusCode::PARTIAL_CONTENT),
        // Several ranges of a large file: a full 200 is allowed (RFC 9110 §14.2), and players never ask for it.
        _ => (ByteRange { start: 0, end: len }, StatusCode::OK),
    };
    builder = builder.status(status).header(header::CONTENT_LENGTH, range.len());
    if status == StatusCode::PARTIAL_CONTENT {
        builder = builder.header(header::CONTENT_RANGE, range.content_range(len));
    }
    if method == Method::HEAD {
        return finish(builder, Body::empty());
    }
    let mut std_file = file.file;
    if range.start > 0 && std_file.seek(SeekFrom::Start(range.start)).is_err() {
        return status_response(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let reader = tokio::fs::File::from_std(std_file).take(range.len());
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024);
    finish(builder, Body::from_stream(stream))
}

fn unsatisfiable(builder: axum::http::response::Builder, len: u64) -> Response {
    finish(
        builder
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{len}"))
            .header(header::CONTENT_LENGTH, 0),
        Body::empty(),
    )
}

fn body_for(method: &Method, data: Bytes) -> Body {
    if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(data)
    }
}

fn finish(builder: axum::http::response::Builder, body: Body) -> Response {
    builder
        .body(body)
        .unwrap_or_else(|_| status_response(StatusCode::INTERNAL_SERVER_ERROR))
}

/// A short plain-text error response.
pub(crate) fn status_response(status: StatusCode) -> Response {
    let text = format!("{}\n", status.canonical_reason().unwrap_or("error"));
    let mut r = Response::new(Body::from(text.clone()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    // Errors may be cached briefly by an edge (negative caching) but not by browsers for long.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// A generated response (page, JSON, metrics).
pub(crate) fn text_response(method: &Method, content_type: &'static str, cache: &'static str, body: Bytes) -> Response {
    let mut r = Response::new(body_for(method, body.clone()));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    r
}

fn add_cors(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE));
}

/// CORS preflight: any origin may GET/HEAD with the headers players send (echoed when they are plain tokens).
fn preflight(req: &HeaderMap) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(header::ALLOW, HeaderValue::from_static(ALLOW_METHODS));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    let requested = req
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .filter(|v| {
            v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_, ".contains(b))
        })
        .cloned();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        requested.unwrap_or(HeaderValue::from_static(DEFAULT_ALLOW_HEADERS)),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    r
}
