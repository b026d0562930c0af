//! Small process helpers shared by the emulator and the extension stand-in.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

use crate::domain::state::remove_file;
use crate::error::{Code, Error, Result};

/// A background program to start: what it is (for messages), where it logs, how long it may
/// take to become ready.
pub struct Background<'a> {
    pub what: &'a str,
    pub log: &'a Path,
    pub limit: Duration,
}

/// Start `command` detached, in its own process group (Ctrl-C in the terminal does not reach
/// it, and stopping it clears its children too), output appended to a 0600 log. `record` runs
/// right after the spawn with the pid and returns the state file it wrote, so a concurrent
/// `local stop` can find the process while it starts; then wait until `ready()`. On an early
/// exit or a time-out the process is stopped, the state file removed, and the log named.
pub fn spawn_until_ready(
    mut command: Command,
    background: Background<'_>,
    record: impl FnOnce(u32) -> Result<PathBuf>,
    ready: impl Fn() -> bool,
) -> Result<u32> {
    let Background { what, log, limit } = background;
    let open_log = || {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(log)
            .map_err(|e| Error::io(Code::StartFailed, format!("opening {}", log.display()), e))
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(open_log()?)
        .stderr(open_log()?)
        .process_group(0)
        .spawn()
        .map_err(|e| {
            Error::local(
                Code::StartFailed,
                format!("could not start {what}: {e}"),
                "run `secretslab doctor`",
            )
        })?;
    let pid = child.id();
    let state_file = match record(pid) {
        Ok(path) => path,
        Err(e) => {
            stop_group(pid, Duration::from_secs(2));
            return Err(e);
        }
    };
    let see_log = format!("see its log at {}", log.display());
    let deadline = Instant::now() + limit;
    loop {
        if ready() {
            return Ok(pid);
        }
        if let Ok(Some(status)) = child.try_wait() {
            remove_file(&state_file)?;
            return Err(Error::local(
                Code::StartFailed,
                format!("{what} exited during start-up ({status})"),
                see_log,
            ));
        }
        if Instant::now() > deadline {
            stop_group(pid, Duration::from_secs(2));
            remove_file(&state_file)?;
            return Err(Error::local(
                Code::NotReady,
                format!("{what} did not become ready within {} s", limit.as_secs()),
                see_log,
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `pid` is a live process (a zombie awaiting its parent counts as gone).
pub fn is_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if kill(Pid::from_raw(raw), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state != "Z" && state != "X"),
        Err(_) => true,
    }
}

/// Ask the process group led by `pid` to stop; force it after `grace`.
pub fn stop_group(pid: u32, grace: Duration) {
    let Ok(raw) = i32::try_from(pid) else {
        return;
    };
    let group = Pid::from_raw(raw);
    let _ = killpg(group, Signal::SIGTERM);
    let _ = kill(group, Signal::SIGTERM);
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        if !is_alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Children (function workers) may outlive their leader: clear the whole group.
    let _ = killpg(group, Signal::SIGKILL);
    if is_alive(pid) {
        let _ = kill(group, Signal::SIGKILL);
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?.port())
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

/// A plain HTTP/1.0 GET on loopback; returns the status code from the first bytes of the
/// answer (some servers keep the connection open, so this does not wait for the end).
pub fn http_get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = send_get(port, path, &[])?;
    let mut head = [0u8; 32];
    let read = stream.read(&mut head).ok()?;
    let text = std::str::from_utf8(&head[..read]).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// A plain HTTP/1.0 GET on loopback to a server that closes the connection after its answer
/// (the extension stand-in); returns the status code and body.
pub fn http_get(port: u16, path: &str, headers: &[(&str, &str)]) -> Option<(u16, Vec<u8>)> {
    let mut stream = send_get(port, path, headers)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..split]).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, answer[split + 4..].to_vec()))
}

fn send_get(port: u16, path: &str, headers: &[(&str, &str)]) -> Option<TcpStream> {
    let mut stream = TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(500),
    )
    .ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    Some(stream)
}
