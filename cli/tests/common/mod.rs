//! What the `ramjet serve` process tests share: a service started on loopback ports and called
//! with a real HTTP client, the corpus bundle and copies of it, the metrics page read.
#![allow(dead_code)] // each test file uses a part

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Allowed by the corpus bundle's `EasListServices` (from the office network, in China).
pub const ALICE_LISTS: &str = r#"{"action": "eas:ListServices", "resource": "*", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}, "context": {"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "cn-hangzhou"}}"#;

/// A running service; killed when dropped.
pub struct Service {
    pub child: Child,
    pub base: String,
    /// The gRPC listener's address, when one was asked for.
    pub grpc: Option<String>,
    /// The admin listener's base URL, when one was asked for.
    pub admin: Option<String>,
    pub agent: ureq::Agent,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reply: status, `x-ramjet-revision`, body.
pub struct Reply {
    pub status: u16,
    pub revision: Option<u64>,
    pub body: String,
}

impl Service {
    pub fn start(bundle: &Path) -> Service {
        Self::start_with(bundle, &[])
    }

    pub fn start_with(bundle: &Path, extra: &[&str]) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ramjet"))
            .args(["serve", "--http", "127.0.0.1:0", "--bundle"])
            .arg(bundle)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // `listening http=127.0.0.1:PORT grpc=off`, and ` admin=127.0.0.1:PORT` with --admin.
        let fields: Vec<(&str, &str)> = line
            .trim_end()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("start-up line {line:?}"))
            .split(' ')
            .map(|field| field.split_once('=').unwrap_or_else(|| panic!("{line:?}")))
            .collect();
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let addr = field("http")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_string();
        let grpc = field("grpc").unwrap_or_else(|| panic!("{line:?}"));
        let grpc = (grpc != "off").then(|| grpc.to_string());
        let admin = field("admin").map(|addr| format!("http://{addr}"));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Service {
            child,
            base: format!("http://{addr}"),
            grpc,
            admin,
            agent,
        }
    }

    pub fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let revision = response
            .headers()
            .get("x-ramjet-revision")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Reply {
            status: response.status().as_u16(),
            revision,
            body: response.body_mut().read_to_string().unwrap(),
        }
    }

    pub fn post(&self, path: &str, body: &str) -> Reply {
        let response = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        Self::read(response)
    }

    /// A forwarded call with `headers`.
    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(()).unwrap();
        Self::read(self.agent.run(request).unwrap())
    }

    pub fn get(&self, path: &str) -> Reply {
        Self::read(
            self.agent
                .get(&format!("{}{path}", self.base))
                .call()
                .unwrap(),
        )
    }
}

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// A copy of the corpus bundle that a test may change.
pub fn bundle_copy(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let from = corpus().join("bundle");
    std::fs::copy(from.join("bundle.json"), dir.join("bundle.json")).unwrap();
    for entry in std::fs::read_dir(from.join("policies")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("policies").join(entry.file_name())).unwrap();
    }
    dir
}

/// The samples of a Prometheus text page, each line checked: `# HELP`, `# TYPE`, `# EOF` or
/// `name{labels} value`.
pub fn parse_metrics(text: &str) -> Vec<(String, f64)> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line == "# EOF" {
            continue;
        }
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("metrics line {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("metrics line {line:?}"));
        assert!(
            name.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_'),
            "{line:?}"
        );
        assert_eq!(name.contains('{'), name.ends_with('}'), "{line:?}");
        samples.push((name.to_string(), value));
    }
    assert!(text.ends_with("# EOF\n"), "{text}");
    samples
}

/// Waits (bounded) until a check answers with `revision`.
pub fn wait_for_revision(service: &Service, revision: u64) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = service.post("/v1/check", ALICE_LISTS);
        if reply.revision == Some(revision) || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `POST /v1/reload` on the admin listener: its answer, as JSON.
pub fn admin_reload(service: &Service) -> (u16, Value) {
    let base = service.admin.as_ref().expect("an admin listener");
    let mut response = service
        .agent
        .post(&format!("{base}/v1/reload"))
        .send("")
        .unwrap();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&body).unwrap())
}
