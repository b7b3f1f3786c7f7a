//! The RTMP listener: one thread per connection drives [`rtmp::Connection`] over a blocking socket with a read
//! timeout, and hands an accepted publish to an ingest session on its own thread.

use super::rtmp::{Connection, Event};
use super::{ArrivalClock, Ingest};
use crate::error::{Error, Result};
use bytes::Bytes;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::Duration;

/// Media chunks queued between a connection and its session (about a second of FLV tags at 30 fps + audio).
const QUEUE: usize = 256;
/// A client must complete the handshake and connect within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound RTMP listener.
pub struct RtmpListener {
    listener: TcpListener,
    app: String,
}

impl RtmpListener {
    /// Binds `addr`; publishers must connect to application `app` (`live` in `rtmp://host/live/KEY`; empty:
    /// any).
    pub fn bind(addr: SocketAddr, app: &str) -> Result<RtmpListener> {
        let listener = TcpListener::bind(addr).map_err(|e| Error::io(format!("rtmp://{addr}"), e))?;
        Ok(RtmpListener {
            listener,
            app: app.trim_matches('/').to_string(),
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Accepts connections on a background thread for as long as the process runs.
    pub fn spawn(self, ingest: Arc<Ingest>) -> Result<()> {
        std::thread::Builder::new()
            .name("reel-rtmp-accept".into())
            .spawn(move || {
                for conn in self.listener.incoming() {
                    let Ok(socket) = conn else {
                        // Out of descriptors, or a connection reset before accept: keep accepting.
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let peer = socket
                        .peer_addr()
                        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
                    let ingest = ingest.clone();
                    let app = self.app.clone();
                    let spawned = std::thread::Builder::new()
                        .name(format!("reel-rtmp-{peer}"))
                        .spawn(move || {
                            let Some(_slot) = ingest.connection_slot() else {
                                tracing::warn!("rtmp {peer}: dropped: too many ingest connections");
                                return;
                            };
                            if let Err(e) = serve_connection(&ingest, socket, peer, &app) {
                                tracing::warn!("rtmp {peer}: dropped: {e}");
                            }
                        });
                    if spawned.is_err() {
                        tracing::warn!("rtmp {peer}: dropped: cannot start a thread");
                    }
                }
            })
            .map_err(Error::IoBare)?;
        Ok(())
    }
}

/// A publish in progress: where FLV goes, and the session thread.
struct Publishing {
    key: String,
    tx: SyncSender<Bytes>,
    session: std::thread::JoinHandle<()>,
    stream: Arc<crate::net::live::LiveStream>,
}

fn serve_connection(ingest: &Arc<Ingest>, mut socket: TcpStream, peer: SocketAddr, app: &str) -> Result<()> {
    let _ = socket.set_nodelay(true);
    socket
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(Error::IoBare)?;
    let _ = socket.set_write_timeout(Some(HANDSHAKE_TIMEOUT));
    let mut conn = Connection::new();
    let mut publishing: Option<Publishing> = None;
    let clock = Arc::new(ArrivalClock::default());
    let mut buf = vec![0u8; 64 * 1024];
    let result = (|| -> Result<()> {
        loop {
            let n = match socket.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return Err(Error::Malformed(format!(
                        "no data for {} s (stalled publisher)",
                        if publishing.is_some() {
                            ingest.config().stall_timeout.as_secs()
                        } else {
                            HANDSHAKE_TIMEOUT.as_secs()
                        }
                    )));
                }
                Err(e) => return Err(Error::IoBare(e)),
            };
            if let Some(p) = &publishing {
                p.stream.record_ingest(n);
            }
            let events = conn.receive(&buf[..n])?;
            for event in events {
                match event {
                    Event::PublishRequested { app: asked, key } => {
                        let refusal = if !app.is_empty() && asked != app {
                            Some(format!("unknown application '{}'", asked.escape_default()))
                        } else {
                            ingest.check_key(&key).err()
                        };
                        if let Some(reason) = refusal {
                            conn.refuse_publish(&reason);
                            let _ = socket.write_all(&conn.take_output());
                            return Err(Error::InvalidArgument(format!("publish refused: {reason}")));
                        }
                        let (tx, rx) = sync_channel::<Bytes>(QUEUE);
                        let session_ingest = ingest.clone();
                        let session_key = key.clone();
                        let session_clock: Arc<dyn super::MediaClock> = clock.clone();
                        let publisher = format!("rtmp://{peer}");
                        let session = std::thread::Builder::new()
                            .name(format!("reel-live-{key}"))
                            .spawn(move || {
                                match session_ingest.run_session(
                                    &session_key,
                                    &publisher,
                                    "flv",
                                    rx,
                                    Some(session_clock),
                                ) {
                                    Ok(()) => tracing::info!("{session_key}: publisher {publisher} ended"),
                                    Err(e) => tracing::warn!("{session_key}: session ended: {e}"),
                                }
                            })
                            .map_err(Error::IoBare)?;
                        conn.accept_publish(&key);
                        tracing::info!("rtmp {peer}: publishing {key}");
                        socket
                            .set_read_timeout(Some(ingest.config().stall_timeout))
                            .map_err(Error::IoBare)?;
                        publishing = Some(Publishing {
                            stream: ingest.config().live.publish(&key),
                            key,
                            tx,
                            session,
                        });
                    }
                    Event::Flv { data, timestamp_ms } => {
                        let Some(p) = &publishing else { continue };
                        if let Some(ts) = timestamp_ms {
                            clock.arrived(f64::from(ts) / 1000.0);
                        }
                        if p.tx.send(data).is_err() {
                            return Err(Error::Malformed(format!("{}: the session stopped", p.key)));
                        }
                    }
                    Event::Unpublished => return Ok(()),
                }
            }
            let out = conn.take_output();
            if !out.is_empty() {
                socket.write_all(&out).map_err(Error::IoBare)?;
            }
        }
    })();
    if let Some(p) = publishing {
        drop(p.tx);
        let _ = p.session.join();
    }
    result
}
