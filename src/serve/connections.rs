//! Connections: the accept loop and the limits hyper leaves to the server (a deadline for request
//! headers, a cap on connections per client address), and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::ServeOptions;

/// Open connections per client address.
struct Clients {
    max: usize,
    open: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>,
}

/// One open connection of a client; leaves its count when dropped.
struct ClientSlot {
    clients: Arc<Clients>,
    ip: std::net::IpAddr,
}

impl Clients {
    fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            open: Default::default(),
        }
    }

    /// A slot for one more connection from `ip`, unless it holds `max` already.
    fn enter(clients: &Arc<Self>, ip: std::net::IpAddr) -> Option<ClientSlot> {
        let mut open = clients.open.lock().expect("client table lock");
        let n = open.entry(ip).or_default();
        if *n >= clients.max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            clients: clients.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.open.lock().expect("client table lock");
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves HTTP/1.1 connections until ctrl-c, as `axum::serve` does, plus two limits it cannot
/// set: a connection whose reply makes no progress for `write_timeout` (a client that does not read)
/// is closed, as is one that has not delivered a request's headers `header_timeout` after it started
/// reading them (a slowloris client, or a keep-alive connection left idle) is closed, and one client
/// address holds at most `max_connections_per_ip` connections (more are closed on accept), so one
/// client cannot use up the server's file descriptors. On ctrl-c, requests in flight get up to 10 s
/// to finish.
pub(super) async fn serve_http(
    listener: tokio::net::TcpListener,
    router: Router,
    options: &ServeOptions,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let clients = Arc::new(Clients::new(options.max_connections_per_ip));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for connections to close.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        let Some(slot) = Clients::enter(&clients, peer.ip()) else {
            tracing::debug!(client = %peer.ip(), "too many connections from one address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        // A client that stops reading (many pipelined requests, no reads) would hold its
        // connection and the replies queued in it forever: a write that makes no progress for
        // `write_timeout` ends the connection.
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(options.write_timeout));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(options.header_timeout)
            .serve_connection(
                hyper_util::rt::TokioIo::new(Box::pin(stream)),
                hyper_util::service::TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_address_gets_its_connection_cap_and_no_more() {
        let clients = Arc::new(Clients::new(2));
        let (a, b): (std::net::IpAddr, std::net::IpAddr) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
        let first = Clients::enter(&clients, a).expect("first");
        let _second = Clients::enter(&clients, a).expect("second");
        assert!(Clients::enter(&clients, a).is_none(), "over the cap");
        assert!(Clients::enter(&clients, b).is_some(), "another address");
        drop(first);
        assert!(Clients::enter(&clients, a).is_some(), "a slot freed");
    }
}
