//! SIGHUP re-reads the project file as well as the layers; a broken project
//! file is refused while the old model keeps serving.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

struct Server {
    child: std::process::Child,
    base: String,
    log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &std::path::Path) -> Server {
        let mut child = common::binary()
            .args(["serve", "-c"])
            .arg(dir.join("buitenzicht.toml"))
            .args(["--addr", "127.0.0.1:0", "--web"])
            .arg(common::repo().join("web"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let base = loop {
            let line = log
                .recv_timeout(Duration::from_secs(300))
                .expect("server listens");
            if let Some(url) = line.strip_prefix("kaart op ") {
                break url.trim_end_matches('/').to_string();
            }
        };
        Server { child, base, log }
    }

    fn hangup(&self) {
        let pid = self.child.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success());
    }

    /// The next log line containing `needle`.
    fn wait_for(&self, needle: &str) -> String {
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(300))
                .unwrap_or_else(|_| panic!("no line with '{needle}'"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn version(&self) -> String {
        let url = format!("{}/api/config", self.base);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config: serde_json::Value =
            runtime.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
        config["versie"].as_str().unwrap().to_string()
    }
}

#[test]
fn hangup_rereads_the_project_file_and_refuses_a_broken_one() {
    let dir = common::fixture_copy();
    let config = dir.path().join("buitenzicht.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let server = Server::start(dir.path());
    let before = server.version();

    std::fs::write(
        &config,
        original.replace("[scoring.weights]", "[scoring.weights"),
    )
    .unwrap();
    server.hangup();
    let line = server.wait_for("herberekenen mislukt");
    assert!(line.contains("buitenzicht.toml"), "{line}");
    assert_eq!(server.version(), before, "the old model keeps serving");

    // The model is fitted for the as-of date: a new date, a new model.
    assert!(original.contains("as_of = \"2026-11-01\""));
    std::fs::write(
        &config,
        original.replace("as_of = \"2026-11-01\"", "as_of = \"2026-08-01\""),
    )
    .unwrap();
    server.hangup();
    server.wait_for("nieuw model geladen");
    assert_ne!(server.version(), before, "a new as-of date, a new model");
}
