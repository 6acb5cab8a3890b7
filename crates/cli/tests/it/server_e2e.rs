//! `itinera serve` end to end, as a business runs it: providers pointed at fakes, a signed
//! Calendly-style webhook enrolls a contact in the appointment journey, the WhatsApp fake
//! receives the reminder template with its buttons, a forged button reply is refused and
//! changes nothing, the signed one moves the contact to the confirm branch.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use itinera_inbound::verify::sign;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const APP_SECRET: &str = "e2e-app-secret";
const CALENDLY_KEY: &str = "e2e-calendly-key";
const PHONE_NUMBER_ID: &str = "1234567890";

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(p).display().to_string()
}

fn itinera(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_itinera")).args(args).output().expect("run itinera");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The WhatsApp Cloud API fake: answers every send with a fresh `wamid` and keeps the bodies.
struct CloudApi {
    n: AtomicUsize,
    seen: Mutex<Vec<Value>>,
}

impl Respond for &'static CloudApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let n = self.n.fetch_add(1, Ordering::SeqCst);
        let to = body["to"].clone();
        self.seen.lock().unwrap().push(body);
        ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": format!("wamid.E2E{n}")}]
        }))
    }
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A zone where it is about midday now, so the template's quiet hours (21:00-08:00) never
/// hold the reminder back, whenever CI runs.
fn midday_zone() -> String {
    let hour = (jiff::Timestamp::now().as_second().rem_euclid(86_400) / 3600) as i32;
    let mut offset = 12 - hour;
    if offset < -12 {
        offset += 24;
    }
    if offset > 14 {
        offset -= 24;
    }
    // POSIX-style names: Etc/GMT-3 is UTC+3.
    match offset {
        0 => "Etc/UTC".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

fn whatsapp_webhook(message: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "351900000001"}],
            "messages": [message]
        }}]}]
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_booking_enrolls_and_a_signed_button_reply_confirms() {
    let fake = MockServer::start().await;
    let api: &'static CloudApi = Box::leak(Box::new(CloudApi { n: AtomicUsize::new(0), seen: Mutex::new(Vec::new()) }));
    Mock::given(method("POST")).and(path(format!("/v21.0/{PHONE_NUMBER_ID}/messages"))).respond_with(api).mount(&fake).await;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db").display().to_string();
    let config = dir.path().join("itinera.toml");
    std::fs::write(
        &config,
        format!(
            r#"public_url = "https://journeys.example.com"
[channels.whatsapp]
provider = "whatsapp_cloud"
phone_number_id = "{PHONE_NUMBER_ID}"
access_token = "env:E2E_WA_ACCESS_TOKEN"
app_secret = "env:E2E_WA_APP_SECRET"
verify_token = "env:E2E_WA_VERIFY_TOKEN"
api_base = "{}/v21.0"

[[sources]]
path = "calendly"
scheme = "calendly"
secret = "env:E2E_CALENDLY_KEY"
[sources.map]
name = "appointment_booked"
contact = "/payload/email"
id = "/payload/uri"
when = {{ "/event" = "invitee.created" }}
[sources.map.data]
starts_at = "/payload/scheduled_event/start_time"
location = "/payload/scheduled_event/location/location"
"#,
            fake.uri()
        ),
    )
    .unwrap();
    itinera(&["publish", "--db", &db, &repo("assets/journeys/appointment-reminder.journey.json")]);
    let contacts = dir.path().join("contacts.jsonl");
    let ana = json!({"id": "ana@example.com", "timezone": midday_zone(), "attributes": {"first_name": "Ana"},
                     "addresses": {"whatsapp": "+351900000001", "sms": "+351900000001"}, "consent": {"whatsapp": true, "sms": true}});
    std::fs::write(&contacts, format!("{ana}\n")).unwrap();
    itinera(&["contacts", "import", "--db", &db, &contacts.display().to_string()]);
    let read_token = itinera(&["token", "create", "--db", &db, "--scope", "read"]).trim().to_string();

    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_itinera"))
        .args(["serve", "--db", &db, "--port", "0", "--config", &config.display().to_string()])
        .env("E2E_WA_ACCESS_TOKEN", "wa-access-token")
        .env("E2E_WA_APP_SECRET", APP_SECRET)
        .env("E2E_WA_VERIFY_TOKEN", "wa-verify")
        .env("E2E_CALENDLY_KEY", CALENDLY_KEY)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _serve = Serve(child);
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("serve printed {line:?}")).to_string();
    let http = reqwest::Client::new();

    // A booking in three hours, signed the way Calendly signs.
    let starts_at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(3)).unwrap().to_string();
    let booking = serde_json::to_vec(&json!({
        "event": "invitee.created", "created_at": jiff::Timestamp::now().to_string(),
        "payload": {"email": "ana@example.com", "uri": "https://api.calendly.com/scheduled_events/E1/invitees/I1",
                    "scheduled_event": {"start_time": starts_at, "location": {"type": "physical", "location": "Rua Augusta 1"}}}
    }))
    .unwrap();
    let signature = sign::calendly(CALENDLY_KEY.as_bytes(), &booking, jiff::Timestamp::now().as_second());
    let answer =
        http.post(format!("{base}/hooks/calendly")).header("Calendly-Webhook-Signature", signature).body(booking).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());

    // The WhatsApp fake receives the reminder template, with the journey's two buttons.
    let reminder = wait_for(|| api.seen.lock().unwrap().iter().find(|b| b["type"] == "template").cloned()).await;
    assert_eq!(reminder["messaging_product"], "whatsapp");
    // The Cloud API takes the number with or without its `+`.
    assert_eq!(reminder["to"].as_str().unwrap().trim_start_matches('+'), "351900000001");
    assert_eq!(reminder["template"]["name"], "appointment_reminder");
    assert_eq!(reminder["template"]["language"]["code"], "en");
    let text = reminder.to_string();
    assert!(text.contains("\"confirm\"") && text.contains("\"reschedule\""), "the buttons' payloads: {text}");

    let timeline = || async {
        let answer = http.get(format!("{base}/v1/contacts/ana@example.com/timeline")).bearer_auth(&read_token).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        answer.json::<Value>().await.unwrap()
    };
    // Meta reports the reminder delivered (a signed status webhook): the contact moves on to
    // wait for the reply at once, without waiting for the delivery deadline.
    let delivered = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": "wamid.E2E0", "status": "delivered", "timestamp": jiff::Timestamp::now().as_second().to_string(),
                          "recipient_id": "351900000001"}]
        }}]}]
    }))
    .unwrap();
    let answer = http
        .post(format!("{base}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sign::meta(APP_SECRET.as_bytes(), &delivered))
        .body(delivered)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let waiting_at_reply = |t: &Value| t.to_string().contains("\"node\":\"await_reply\"");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !waiting_at_reply(&timeline().await) {
        assert!(Instant::now() < deadline, "never reached await_reply: {}", timeline().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Ana taps Confirm on the template (a quick-reply button, answering our message).
    let reply = whatsapp_webhook(json!({
        "context": {"from": "15550001111", "id": "wamid.E2E0"}, "from": "351900000001", "id": "wamid.REPLY1",
        "timestamp": jiff::Timestamp::now().as_second().to_string(), "type": "button", "button": {"payload": "confirm", "text": "Confirm"}
    }));
    // Forged first: refused, and nothing changes.
    let forged = http
        .post(format!("{base}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sign::meta(b"not-the-app-secret", &reply))
        .body(reply.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Logged, with why, and no secret in the log.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("inbound webhook refused") && logged.contains("signature does not match"), "{logged}");
    assert!(!logged.contains(APP_SECRET) && !logged.contains("wa-access-token") && !logged.contains(CALENDLY_KEY), "{logged}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!timeline().await.to_string().contains("thank_you"), "a forged reply moved the contact");
    assert_eq!(api.seen.lock().unwrap().len(), 1);

    let signed = http
        .post(format!("{base}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sign::meta(APP_SECRET.as_bytes(), &reply))
        .body(reply)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let thanks = wait_for(|| api.seen.lock().unwrap().iter().find(|b| b["type"] == "text").cloned()).await;
    assert!(thanks["text"]["body"].as_str().unwrap().starts_with("Thanks Ana"), "{thanks}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = timeline().await;
        if t.to_string().contains("thank_you") {
            break;
        }
        assert!(Instant::now() < deadline, "the confirm branch never ran: {t}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
