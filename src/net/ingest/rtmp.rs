//! A minimal RTMP publishing server, sans-IO: handshake, chunk stream, AMF0 commands (connect, createStream,
//! publish), and the audio/video/data messages re-wrapped as an FLV byte stream for libavformat's flv demuxer.
//!
//! Why our own and not libavformat's `rtmp://...?listen=1`: that accepts one client per URL, and we need many
//! publishers on one port, each under its stream key. Why not a crate: the server side of a publish is a few
//! hundred lines (no playback, no AMF3, no encryption), and owning it lets every length and count from the peer
//! be checked against limits (a hostile or broken client ends its own connection, nothing else).
//!
//! [`Connection`] is fed bytes with [`Connection::receive`] and returns bytes to send plus [`Event`]s; the
//! caller owns the socket, the timeouts and what a publish leads to ([`Connection::accept_publish`] or
//! [`Connection::refuse_publish`]).

use crate::error::{Error, Result};
use bytes::{BufMut, Bytes, BytesMut};
use std::collections::HashMap;

const HANDSHAKE_SIZE: usize = 1536;
/// Largest message we reassemble: a keyframe of a high-bit-rate 4K stream fits comfortably.
const MAX_MESSAGE: usize = 8 << 20;
/// Largest chunk size a peer may set (RTMP allows 2^31-1; nothing real uses more than 64 KiB).
const MAX_CHUNK_SIZE: usize = 1 << 24;
/// Chunk streams with a message in flight at once (publishers use 3-6).
const MAX_CHUNK_STREAMS: usize = 64;
const WINDOW_ACK_SIZE: u32 = 2_500_000;
const OUR_CHUNK_SIZE: usize = 4096;

/// What happened on the connection that the caller must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The client wants to publish `key` on application `app`: answer with accept_publish or refuse_publish.
    PublishRequested { app: String, key: String },
    /// FLV bytes (the header first, then whole tags) for the flv demuxer, with the tag's timestamp for audio
    /// and video.
    Flv { data: Bytes, timestamp_ms: Option<u32> },
    /// The client stopped publishing (deleteStream or FCUnpublish).
    Unpublished,
}

#[derive(Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for C0+C1.
    Handshake,
    /// Sent S0+S1+S2, waiting for C2.
    HandshakeAck,
    Chunks,
}

#[derive(Default, Clone)]
struct ChunkStreamState {
    timestamp: u32,
    delta: u32,
    length: usize,
    type_id: u8,
    stream_id: u32,
    extended: bool,
    payload: Vec<u8>,
    /// A message is partly received on this chunk stream.
    in_progress: bool,
    /// Any header was seen (fmt 1-3 need one before them).
    seen: bool,
}

/// One RTMP connection's protocol state.
pub struct Connection {
    stage: Stage,
    input: BytesMut,
    out: BytesMut,
    events: Vec<Event>,
    chunk_size: usize,
    /// Our outgoing chunk size (128 until we announce a larger one).
    chunk_size_out: usize,
    streams: HashMap<u32, ChunkStreamState>,
    received: u64,
    acked: u64,
    peer_window: u32,
    app: Option<String>,
    publishing: Option<String>,
    pending_publish: Option<(f64, u32)>,
    flv_started: bool,
    metadata_flags: Option<u8>,
}

impl Default for Connection {
    fn default() -> Self {
        Self::new()
    }
}

impl Connection {
    pub fn new() -> Self {
        Connection {
            stage: Stage::Handshake,
            input: BytesMut::new(),
            out: BytesMut::new(),
            events: Vec::new(),
            chunk_size: 128,
            chunk_size_out: 128,
            streams: HashMap::new(),
            received: 0,
            acked: 0,
            peer_window: 0,
            app: None,
            publishing: None,
            pending_publish: None,
            flv_started: false,
            metadata_flags: None,
        }
    }

    /// The key being published, once accepted.
    pub fn key(&self) -> Option<&str> {
        self.publishing.as_deref()
    }

    /// Consumes received bytes. Returns what the caller must act on; bytes to send are in [`Connection::take_output`].
    /// An error means the peer broke the protocol or a limit: drop the connection.
    pub fn receive(&mut self, data: &[u8]) -> Result<Vec<Event>> {
        self.input.extend_from_slice(data);
        self.received += data.len() as u64;
        loop {
            let progressed = match self.stage {
                Stage::Handshake => self.handshake()?,
                Stage::HandshakeAck => {
                    if self.input.len() >= HANDSHAKE_SIZE {
                        let _ = self.input.split_to(HANDSHAKE_SIZE);
                        self.stage = Stage::Chunks;
                        true
                    } else {
                        false
                    }
                }
                Stage::Chunks => self.chunk()?,
            };
            if !progressed {
                break;
            }
        }
        if self.peer_window > 0 && self.received - self.acked >= u64::from(self.peer_window) {
            self.acked = self.received;
            let mut body = BytesMut::new();
            body.put_u32(self.received as u32);
            self.send_message(2, 3, 0, 0, &body);
        }
        Ok(std::mem::take(&mut self.events))
    }

    /// Bytes to write to the peer.
    pub fn take_output(&mut self) -> Bytes {
        self.out.split().freeze()
    }

    /// Answers a [`Event::PublishRequested`]: the client may send media.
    pub fn accept_publish(&mut self, key: &str) {
        self.publishing = Some(key.to_string());
        let (tx, stream_id) = self.pending_publish.take().unwrap_or((0.0, 1));
        self.on_status(
            tx,
            stream_id,
            "status",
            "NetStream.Publish.Start",
            &format!("{key} is now published"),
        );
    }

    /// Answers a [`Event::PublishRequested`] with an error status (the caller then closes the connection).
    pub fn refuse_publish(&mut self, reason: &str) {
        let (tx, stream_id) = self.pending_publish.take().unwrap_or((0.0, 1));
        self.on_status(tx, stream_id, "error", "NetStream.Publish.BadName", reason);
    }

    fn publish_requested(&self) -> bool {
        self.publishing.is_some() || self.pending_publish.is_some()
    }

    fn handshake(&mut self) -> Result<bool> {
        if self.input.is_empty() {
            return Ok(false);
        }
        if self.input[0] != 3 {
            return Err(Error::Malformed(format!(
                "rtmp handshake: version {} (expected 3; not an rtmp client?)",
                self.input[0]
            )));
        }
        if self.input.len() < 1 + HANDSHAKE_SIZE {
            return Ok(false);
        }
        let c1 = self.input.split_to(1 + HANDSHAKE_SIZE).split_off(1);
        // S1 with a zero version field: clients then use the plain handshake (no digest), as ffmpeg's and
        // librtmp's do when publishing. S2 echoes C1.
        self.out.put_u8(3);
        self.out.put_u32(0);
        self.out.put_u32(0);
        let mut seed: u32 = 0x9e37_79b9 ^ (self.received as u32);
        for _ in 0..(HANDSHAKE_SIZE - 8) / 4 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            self.out.put_u32(seed);
        }
        self.out.extend_from_slice(&c1);
        self.stage = Stage::HandshakeAck;
        Ok(true)
    }

    /// Parses one chunk if all of it is buffered.
    fn chunk(&mut self) -> Result<bool> {
        let Some(&first) = self.input.first() else {
            return Ok(false);
        };
        let fmt = first >> 6;
        let (csid, mut pos) = match first & 0x3f {
            0 => match self.input.get(1) {
                Some(&b) => (u32::from(b) + 64, 2),
                None => return Ok(false),
            },
            1 => match (self.input.get(1), self.input.get(2)) {
                (Some(&lo), Some(&hi)) => (u32::from(lo) + 64 + 256 * u32::from(hi), 3),
                _ => return Ok(false),
            },
            n => (u32::from(n), 1),
        };
        let header_len = [11, 7, 3, 0][fmt as usize];
        if self.input.len() < pos + header_len {
            return Ok(false);
        }
        if !self.streams.contains_key(&csid) && self.streams.len() >= MAX_CHUNK_STREAMS {
            return Err(Error::Limit(format!(
                "rtmp: more than {MAX_CHUNK_STREAMS} chunk streams"
            )));
        }
        // Moved out (not cloned: the payload may be megabytes) and put back below.
        let mut st = self.streams.remove(&csid).unwrap_or_default();
        let parsed = self.parse_chunk(&mut st, csid, fmt, &mut pos, header_len);
        let complete = match parsed {
            Ok(Some(take)) => {
                st.payload.extend_from_slice(&self.input[pos..pos + take]);
                let _ = self.input.split_to(pos + take);
                st.payload.len() >= st.length
            }
            Ok(None) => {
                self.streams.insert(csid, st);
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let message = if complete {
            st.in_progress = false;
            Some((st.type_id, st.stream_id, st.timestamp, std::mem::take(&mut st.payload)))
        } else {
            None
        };
        self.streams.insert(csid, st);
        if let Some((type_id, stream_id, ts, payload)) = message {
            self.message(type_id, stream_id, ts, payload)?;
        }
        Ok(true)
    }

    /// Applies a chunk's header to its chunk stream once the whole chunk is buffered; returns how many payload
    /// bytes follow at `pos` (`None`: not all buffered yet, nothing changed).
    fn parse_chunk(
        &self,
        st: &mut ChunkStreamState,
        csid: u32,
        fmt: u8,
        pos: &mut usize,
        header_len: usize,
    ) -> Result<Option<usize>> {
        let buf = &self.input[..];
        if fmt != 0 && !st.seen {
            return Err(Error::Malformed(format!(
                "rtmp: chunk stream {csid} starts with a type {fmt} header"
            )));
        }
        let u24 = |b: &[u8]| (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let h = &buf[*pos..*pos + header_len];
        let ts_field = (fmt <= 2).then(|| u24(&h[0..3]));
        let (mut length, mut type_id, mut stream_id) = (st.length, st.type_id, st.stream_id);
        if fmt <= 1 {
            length = u24(&h[3..6]) as usize;
            type_id = h[6];
            if length > MAX_MESSAGE {
                return Err(Error::Limit(format!("rtmp: message of {length} bytes")));
            }
        }
        if fmt == 0 {
            stream_id = u32::from_le_bytes([h[7], h[8], h[9], h[10]]);
        }
        let mut at = *pos + header_len;
        let extended = match ts_field {
            Some(t) => t == 0xff_ffff,
            None => st.extended,
        };
        let mut ts_value = ts_field.unwrap_or(st.delta);
        if extended {
            let Some(b) = buf.get(at..at + 4) else { return Ok(None) };
            ts_value = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            at += 4;
        }
        // A new header while a message is incomplete abandons it (as the spec's Abort would).
        let restart = fmt != 3 && st.in_progress;
        let have = if restart || !st.in_progress {
            0
        } else {
            st.payload.len()
        };
        let take = length.saturating_sub(have).min(self.chunk_size);
        if buf.len() < at + take {
            return Ok(None);
        }
        // The whole chunk is here: apply the header.
        st.length = length;
        st.type_id = type_id;
        st.stream_id = stream_id;
        if restart {
            st.payload.clear();
            st.in_progress = false;
        }
        if !st.in_progress {
            match fmt {
                0 => {
                    st.timestamp = ts_value;
                    st.delta = 0;
                }
                1 | 2 => {
                    st.delta = ts_value;
                    st.timestamp = st.timestamp.wrapping_add(ts_value);
                }
                _ => st.timestamp = st.timestamp.wrapping_add(st.delta),
            }
            st.extended = extended;
            st.in_progress = true;
            st.payload = Vec::with_capacity(length.min(1 << 20));
        }
        st.seen = true;
        *pos = at;
        Ok(Some(take))
    }

    fn message(&mut self, type_id: u8, stream_id: u32, ts: u32, payload: Vec<u8>) -> Result<()> {
        let be32 = |p: &[u8]| {
            if p.len() >= 4 {
                Ok(u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
            } else {
                Err(Error::Malformed("rtmp: short control message".into()))
            }
        };
        match type_id {
            1 => {
                let size = (be32(&payload)? & 0x7fff_ffff) as usize;
                if size == 0 || size > MAX_CHUNK_SIZE {
                    return Err(Error::Limit(format!("rtmp: chunk size {size}")));
                }
                self.chunk_size = size;
            }
            2 => {
                let csid = be32(&payload)?;
                self.streams.remove(&csid);
            }
            3 | 4 | 6 => {}
            5 => self.peer_window = be32(&payload)?,
            // Media after a publish request (accepted, or answered by the caller before it reads these events).
            8 | 9 => {
                if self.publish_requested() {
                    self.flv_tag(type_id, ts, &payload);
                }
            }
            18 => {
                if self.publish_requested() {
                    self.data_message(ts, &payload);
                }
            }
            20 => self.command(stream_id, &payload)?,
            // AMF3 commands and data, shared objects, aggregates: not used by publishers we serve.
            _ => tracing::debug!("rtmp: ignoring message type {type_id}"),
        }
        Ok(())
    }

    /// `@setDataFrame("onMetaData", {...})` becomes an FLV script tag `onMetaData {...}`.
    fn data_message(&mut self, ts: u32, payload: &[u8]) {
        let mut r = amf0::Reader::new(payload);
        let Ok(amf0::Value::String(first)) = r.value() else {
            return;
        };
        let body = if first == "@setDataFrame" {
            &payload[r.pos..]
        } else {
            payload
        };
        let mut r = amf0::Reader::new(body);
        if let (Ok(amf0::Value::String(name)), Ok(meta)) = (r.value(), r.value())
            && name == "onMetaData"
            && !self.flv_started
        {
            let has = |k: &str| meta.get(k).is_some_and(|v| !matches!(v, amf0::Value::Null));
            let mut flags = 0;
            if has("audiocodecid") || has("audiodatarate") {
                flags |= 4;
            }
            if has("videocodecid") || has("width") {
                flags |= 1;
            }
            if flags != 0 {
                self.metadata_flags = Some(flags);
            }
        }
        self.flv_tag(18, ts, body);
    }

    fn flv_tag(&mut self, tag_type: u8, ts: u32, data: &[u8]) {
        let mut tag = BytesMut::with_capacity(data.len() + 32);
        if !self.flv_started {
            self.flv_started = true;
            tag.extend_from_slice(b"FLV\x01");
            tag.put_u8(self.metadata_flags.unwrap_or(5));
            tag.put_u32(9);
            tag.put_u32(0);
        }
        tag.put_u8(tag_type);
        let len = data.len() as u32;
        tag.extend_from_slice(&len.to_be_bytes()[1..]);
        tag.extend_from_slice(&(ts & 0xff_ffff).to_be_bytes()[1..]);
        tag.put_u8((ts >> 24) as u8);
        tag.extend_from_slice(&[0, 0, 0]);
        tag.extend_from_slice(data);
        tag.put_u32(len + 11);
        self.events.push(Event::Flv {
            data: tag.freeze(),
            timestamp_ms: (tag_type != 18).then_some(ts),
        });
    }

    fn command(&mut self, stream_id: u32, payload: &[u8]) -> Result<()> {
        let mut r = amf0::Reader::new(payload);
        let name = match r.value()? {
            amf0::Value::String(s) => s,
            _ => return Err(Error::Malformed("rtmp: command without a name".into())),
        };
        let tx = match r.value() {
            Ok(amf0::Value::Number(n)) => n,
            _ => 0.0,
        };
        match name.as_str() {
            "connect" => {
                let obj = r.value()?;
                let app = match obj.get("app") {
                    Some(amf0::Value::String(s)) => s.trim_end_matches('/').to_string(),
                    _ => String::new(),
                };
                self.app = Some(app);
                let mut ws = BytesMut::new();
                ws.put_u32(WINDOW_ACK_SIZE);
                self.send_message(2, 5, 0, 0, &ws);
                let mut bw = BytesMut::new();
                bw.put_u32(WINDOW_ACK_SIZE);
                bw.put_u8(2);
                self.send_message(2, 6, 0, 0, &bw);
                let mut cs = BytesMut::new();
                cs.put_u32(OUR_CHUNK_SIZE as u32);
                self.send_message(2, 1, 0, 0, &cs);
                self.chunk_size_out = OUR_CHUNK_SIZE;
                let mut w = amf0::Writer::default();
                w.string("_result");
                w.number(tx);
                w.object(&[
                    ("fmsVer", amf0::Value::String("FMS/3,0,1,123".into())),
                    ("capabilities", amf0::Value::Number(31.0)),
                ]);
                w.object(&[
                    ("level", amf0::Value::String("status".into())),
                    ("code", amf0::Value::String("NetConnection.Connect.Success".into())),
                    ("description", amf0::Value::String("Connection succeeded.".into())),
                    ("objectEncoding", amf0::Value::Number(0.0)),
                ]);
                self.send_message(3, 20, 0, 0, &w.out);
            }
            "createStream" => {
                let mut w = amf0::Writer::default();
                w.string("_result");
                w.number(tx);
                w.null();
                w.number(1.0);
                self.send_message(3, 20, 0, 0, &w.out);
            }
            "releaseStream" | "FCPublish" | "FCUnpublish" | "deleteStream" | "closeStream" => {
                if tx > 0.0 && name != "deleteStream" && name != "closeStream" {
                    let mut w = amf0::Writer::default();
                    w.string("_result");
                    w.number(tx);
                    w.null();
                    w.undefined();
                    self.send_message(3, 20, 0, 0, &w.out);
                }
                if matches!(name.as_str(), "FCUnpublish" | "deleteStream" | "closeStream") && self.publishing.is_some()
                {
                    self.events.push(Event::Unpublished);
                }
            }
            "publish" => {
                let _ = r.value(); // null
                let key = match r.value()? {
                    amf0::Value::String(s) => s,
                    _ => return Err(Error::Malformed("rtmp: publish without a stream name".into())),
                };
                if self.publish_requested() {
                    return Err(Error::Malformed("rtmp: a second publish on one connection".into()));
                }
                // OBS and others may append a query (`key?token=...`): the key is what precedes it.
                let key = key.split('?').next().unwrap_or("").to_string();
                self.pending_publish = Some((tx, stream_id.max(1)));
                self.events.push(Event::PublishRequested {
                    app: self.app.clone().unwrap_or_default(),
                    key,
                });
            }
            "play" => return Err(Error::Unsupported("rtmp: playback is not served (publish only)".into())),
            _ => tracing::debug!("rtmp: ignoring command {name}"),
        }
        Ok(())
    }

    fn on_status(&mut self, tx: f64, stream_id: u32, level: &str, code: &str, description: &str) {
        let _ = tx;
        let mut w = amf0::Writer::default();
        w.string("onStatus");
        w.number(0.0);
        w.null();
        w.object(&[
            ("level", amf0::Value::String(level.into())),
            ("code", amf0::Value::String(code.into())),
            ("description", amf0::Value::String(description.into())),
        ]);
        self.send_message(5, 20, stream_id, 0, &w.out);
    }

    /// Writes one message as type-0 and type-3 chunks of our chunk size.
    fn send_message(&mut self, csid: u8, type_id: u8, stream_id: u32, ts: u32, body: &[u8]) {
        let size = self.chunk_size_out;
        for (i, piece) in body.chunks(size.max(1)).enumerate() {
            if i == 0 {
                self.out.put_u8(csid & 0x3f);
                self.out.extend_from_slice(&ts.min(0xff_fffe).to_be_bytes()[1..]);
                self.out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
                self.out.put_u8(type_id);
                self.out.put_u32_le(stream_id);
            } else {
                self.out.put_u8(0xc0 | (csid & 0x3f));
            }
            self.out.extend_from_slice(piece);
        }
        if body.is_empty() {
            self.out.put_u8(csid & 0x3f);
            self.out.extend_from_slice(&[0; 6]);
            self.out.put_u8(type_id);
            self.out.put_u32_le(stream_id);
        }
    }
}

/// The subset of AMF0 that RTMP commands use.
mod amf0 {
    use crate::error::{Error, Result};

    /// Nesting and size limits: a command is a handful of small values.
    const MAX_DEPTH: usize = 8;
    const MAX_PROPERTIES: usize = 1024;

    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Number(f64),
        Boolean(bool),
        String(String),
        Object(Vec<(String, Value)>),
        Null,
        Array(Vec<Value>),
    }

    impl Value {
        /// A property of an object (or ECMA array).
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Object(props) => props.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
    }

    pub struct Reader<'a> {
        data: &'a [u8],
        pub pos: usize,
    }

    fn short() -> Error {
        Error::Malformed("amf0: value runs past the end of the message".into())
    }

    impl<'a> Reader<'a> {
        pub fn new(data: &'a [u8]) -> Self {
            Reader { data, pos: 0 }
        }

        fn take(&mut self, n: usize) -> Result<&'a [u8]> {
            let end = self.pos.checked_add(n).ok_or_else(short)?;
            let s = self.data.get(self.pos..end).ok_or_else(short)?;
            self.pos = end;
            Ok(s)
        }

        fn u16(&mut self) -> Result<usize> {
            let b = self.take(2)?;
            Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
        }

        fn u32(&mut self) -> Result<usize> {
            let b = self.take(4)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        }

        fn utf8(&mut self, len: usize) -> Result<String> {
            Ok(String::from_utf8_lossy(self.take(len)?).into_owned())
        }

        pub fn value(&mut self) -> Result<Value> {
            self.value_at(0)
        }

        fn properties(&mut self, depth: usize) -> Result<Vec<(String, Value)>> {
            let mut props = Vec::new();
            loop {
                let len = self.u16()?;
                if len == 0 && self.data.get(self.pos) == Some(&9) {
                    self.pos += 1;
                    return Ok(props);
                }
                if props.len() >= MAX_PROPERTIES {
                    return Err(Error::Limit("amf0: too many properties".into()));
                }
                let key = self.utf8(len)?;
                let v = self.value_at(depth + 1)?;
                props.push((key, v));
            }
        }

        fn value_at(&mut self, depth: usize) -> Result<Value> {
            if depth > MAX_DEPTH {
                return Err(Error::Limit("amf0: nested too deep".into()));
            }
            let marker = self.take(1)?[0];
            Ok(match marker {
                0 => {
                    let b = self.take(8)?;
                    Value::Number(f64::from_be_bytes(b.try_into().map_err(|_| short())?))
                }
                1 => Value::Boolean(self.take(1)?[0] != 0),
                2 => {
                    let n = self.u16()?;
                    Value::String(self.utf8(n)?)
                }
                3 => Value::Object(self.properties(depth)?),
                5 | 6 => Value::Null,
                8 => {
                    let _count = self.u32()?;
                    Value::Object(self.properties(depth)?)
                }
                10 => {
                    let n = self.u32()?;
                    if n > MAX_PROPERTIES {
                        return Err(Error::Limit("amf0: array too long".into()));
                    }
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.value_at(depth + 1)?);
                    }
                    Value::Array(items)
                }
                11 => {
                    let b = self.take(10)?;
                    Value::Number(f64::from_be_bytes(b[..8].try_into().map_err(|_| short())?))
                }
                12 => {
                    let n = self.u32()?;
                    Value::String(self.utf8(n)?)
                }
                m => return Err(Error::Malformed(format!("amf0: unsupported type marker {m}"))),
            })
        }
    }

    #[derive(Default)]
    pub struct Writer {
        pub out: Vec<u8>,
    }

    impl Writer {
        pub fn number(&mut self, n: f64) {
            self.out.push(0);
            self.out.extend_from_slice(&n.to_be_bytes());
        }

        pub fn string(&mut self, s: &str) {
            self.out.push(2);
            self.out.extend_from_slice(&(s.len().min(65_535) as u16).to_be_bytes());
            self.out.extend_from_slice(&s.as_bytes()[..s.len().min(65_535)]);
        }

        pub fn null(&mut self) {
            self.out.push(5);
        }

        pub fn undefined(&mut self) {
            self.out.push(6);
        }

        pub fn object(&mut self, props: &[(&str, Value)]) {
            self.out.push(3);
            for (k, v) in props {
                self.out.extend_from_slice(&(k.len() as u16).to_be_bytes());
                self.out.extend_from_slice(k.as_bytes());
                match v {
                    Value::Number(n) => self.number(*n),
                    Value::String(s) => self.string(s),
                    Value::Boolean(b) => self.out.extend_from_slice(&[1, u8::from(*b)]),
                    _ => self.null(),
                }
            }
            self.out.extend_from_slice(&[0, 0, 9]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake(conn: &mut Connection) {
        let mut c01 = vec![3u8];
        c01.extend(std::iter::repeat_n(7u8, HANDSHAKE_SIZE));
        assert!(conn.receive(&c01).expect("c0c1").is_empty());
        let s = conn.take_output();
        assert_eq!(s.len(), 1 + 2 * HANDSHAKE_SIZE);
        assert_eq!(&s[1 + HANDSHAKE_SIZE..], &c01[1..], "S2 echoes C1");
        conn.receive(&[0u8; HANDSHAKE_SIZE]).expect("c2");
    }

    /// One message as a type-0 chunk followed by type-3 chunks of 128 bytes.
    fn chunks(csid: u8, type_id: u8, stream_id: u32, ts: u32, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, piece) in body.chunks(128).enumerate() {
            if i == 0 {
                out.push(csid);
                out.extend_from_slice(&ts.to_be_bytes()[1..]);
                out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
                out.push(type_id);
                out.extend_from_slice(&stream_id.to_le_bytes());
            } else {
                out.push(0xc0 | csid);
            }
            out.extend_from_slice(piece);
        }
        out
    }

    fn command(name: &str, tx: f64, args: impl FnOnce(&mut amf0::Writer)) -> Vec<u8> {
        let mut w = amf0::Writer::default();
        w.string(name);
        w.number(tx);
        args(&mut w);
        w.out
    }

    #[test]
    fn publish_session_yields_flv() {
        let mut conn = Connection::new();
        handshake(&mut conn);
        let connect = command("connect", 1.0, |w| {
            w.object(&[("app", amf0::Value::String("live".into()))])
        });
        conn.receive(&chunks(3, 20, 0, 0, &connect)).expect("connect");
        let reply = conn.take_output();
        assert!(reply.windows(29).any(|w| w == b"NetConnection.Connect.Success"));
        conn.receive(&chunks(3, 20, 0, 0, &command("createStream", 2.0, |w| w.null())))
            .expect("createStream");
        let publish = command("publish", 3.0, |w| {
            w.null();
            w.string("cam1?token=x");
            w.string("live");
        });
        let events = conn.receive(&chunks(8, 20, 1, 0, &publish)).expect("publish");
        assert_eq!(
            events,
            vec![Event::PublishRequested {
                app: "live".into(),
                key: "cam1".into()
            }]
        );
        conn.accept_publish("cam1");
        assert!(conn.take_output().windows(23).any(|w| w == b"NetStream.Publish.Start"));
        // A 300-byte video message split over three chunks, then one with a type-1 header (delta 40 ms).
        let video: Vec<u8> = (0..300).map(|i| i as u8).collect();
        let events = conn.receive(&chunks(6, 9, 1, 1000, &video)).expect("video");
        let Event::Flv { data: flv, .. } = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(&flv[..3], b"FLV");
        let tag = &flv[13..];
        assert_eq!(tag[0], 9);
        assert_eq!(&tag[4..7], &[0, 0x03, 0xe8], "timestamp 1000 ms");
        assert_eq!(&tag[11..311], &video[..]);
        let mut type1 = vec![0x46, 0, 0, 40, 0, 0, 2, 8];
        type1.extend_from_slice(&[0xaf, 0x01]);
        let events = conn.receive(&type1).expect("audio");
        let Event::Flv {
            data: tag,
            timestamp_ms,
        } = &events[0]
        else {
            panic!()
        };
        assert_eq!(*timestamp_ms, Some(1040));
        assert_eq!((tag[0], &tag[4..7]), (8, &[0u8, 0x04, 0x10][..]), "1040 ms");
    }

    #[test]
    fn byte_by_byte_equals_all_at_once() {
        let mut stream = Vec::new();
        let connect = command("connect", 1.0, |w| {
            w.object(&[("app", amf0::Value::String("live".into()))])
        });
        stream.extend(chunks(3, 20, 0, 0, &connect));
        let publish = command("publish", 2.0, |w| {
            w.null();
            w.string("k");
        });
        stream.extend(chunks(8, 20, 1, 0, &publish));
        let video: Vec<u8> = (0..1000).map(|i| (i * 7) as u8).collect();
        for ts in [0, 33, 66] {
            stream.extend(chunks(6, 9, 1, ts, &video));
        }
        let run = |piece: usize| {
            let mut conn = Connection::new();
            handshake(&mut conn);
            let mut flv = Vec::new();
            for p in stream.chunks(piece) {
                for e in conn.receive(p).expect("valid stream") {
                    match e {
                        Event::PublishRequested { key, .. } => conn.accept_publish(&key),
                        Event::Flv { data, .. } => flv.extend_from_slice(&data),
                        Event::Unpublished => {}
                    }
                }
            }
            flv
        };
        let whole = run(stream.len());
        assert_eq!(whole.len(), 13 + 3 * (11 + 1000 + 4));
        assert_eq!(run(1), whole);
        assert_eq!(run(129), whole);
    }

    #[test]
    fn garbage_is_refused() {
        let mut conn = Connection::new();
        assert!(conn.receive(b"GET / HTTP/1.1\r\n\r\n").is_err());
        let mut conn = Connection::new();
        handshake(&mut conn);
        // A type-1 header on a chunk stream never opened.
        assert!(conn.receive(&[0x45, 0, 0, 0, 0, 0, 1, 9]).is_err());
        let mut conn = Connection::new();
        handshake(&mut conn);
        // A message claiming 16 MiB, over the limit.
        assert!(conn.receive(&[0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0]).is_err());
        let mut conn = Connection::new();
        handshake(&mut conn);
        let bad = command("connect", 1.0, |w| w.out.extend_from_slice(&[3, 0, 4, b'a']));
        assert!(conn.receive(&chunks(3, 20, 0, 0, &bad)).is_err(), "truncated object");
    }
}
