//! The catalogue end to end, against the real binary: staff upload a MARC file over
//! GraphQL and watch the import, everyone reads the catalogue (the public naming the
//! library), staff download it again as MARC; and imports survive being killed, whether
//! the command line or the server dies part-way.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use athenaeum_e2e::{
    Deployment, Session, Topology, athenaeum_command, both_backends, data, error_code,
    every_deployment,
};
use serde_json::{Value, json};

fn marc_file(relative: &str) -> PathBuf {
    let folder = std::env::var_os("ATHENAEUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = folder.join("marc").join(relative);
    assert!(path.is_file(), "test data {} is missing; set ATHENAEUM_SHARED_DATA", path.display());
    path
}

/// Counts the records pymarc reads in a file (the independent reader).
fn pymarc_count(path: &Path) -> usize {
    let script = "import sys, pymarc\n\
with open(sys.argv[1], 'rb') as h:\n    head = h.read(64).lstrip()\n\
if head.startswith(b'<'):\n    print(len(pymarc.parse_xml_to_array(sys.argv[1])))\n\
else:\n    print(sum(1 for r in pymarc.MARCReader(open(sys.argv[1], 'rb'), to_unicode=True, permissive=True) if r is not None))\n";
    let output =
        std::process::Command::new("python3").arg("-c").arg(script).arg(path).output().unwrap();
    assert!(output.status.success(), "pymarc failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().parse().unwrap()
}

/// Uploads a file to `importMarc` as a GraphQL multipart request; returns the answer.
async fn upload(deployment: &Deployment, token: Option<&str>, path: &Path) -> Value {
    let operations = json!({
        "query": "mutation($file: Upload!) { importMarc(file: $file) { id status fileName } }",
        "variables": { "file": null }
    });
    let bytes = std::fs::read(path).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(path.file_name().unwrap().to_string_lossy().into_owned()),
        );
    let mut request = deployment.http().post(deployment.graphql_url()).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

const JOB_FIELDS: &str =
    "id status format recordsRead recordsNew recordsOverlaid recordsFailed itemsCreated error";

/// Polls an import until it is completed or failed.
async fn finished_job(deployment: &Deployment, token: Option<&str>, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = deployment
            .graphql(
                &format!("query($id: ID!) {{ importJob(id: $id) {{ {JOB_FIELDS} }} }}"),
                json!({ "id": id }),
                token,
            )
            .await;
        let job = data(&answer)["importJob"].clone();
        if job["status"] == "COMPLETED" || job["status"] == "FAILED" {
            return job;
        }
        assert!(Instant::now() < deadline, "import {id} did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Returns every record's control number, as a reader pages through them.
async fn control_numbers(
    deployment: &Deployment,
    token: Option<&str>,
    tenant: Option<&str>,
) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let answer = deployment
            .graphql(
                "query($after: String, $tenant: String) { records(first: 100, after: $after, tenant: $tenant) { pageInfo { hasNextPage endCursor } nodes { controlNumber } } }",
                json!({ "after": after, "tenant": tenant }),
                token,
            )
            .await;
        let page = &data(&answer)["records"];
        for node in page["nodes"].as_array().unwrap() {
            numbers.push(node["controlNumber"].as_str().unwrap_or("").to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return numbers;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

every_deployment! {
    async fn staff_import_a_marc_upload_and_everyone_reads_the_catalogue(deployment) {
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let south = deployment.onboard_library(&operator, "southmoor").await;
        let path = marc_file("evergreen/hebrew.marc");
        let expected = pymarc_count(&path);

        let refused = upload(&deployment, None, &path).await;
        assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
        let started = upload(&deployment, north.admin.token(), &path).await;
        let id = data(&started)["importMarc"]["id"].as_str().unwrap().to_string();
        let job = finished_job(&deployment, north.admin.token(), &id).await;
        assert_eq!(job["status"], "COMPLETED", "{job}");
        assert_eq!(job["format"], "ISO2709");
        assert_eq!(job["recordsNew"].as_u64().unwrap() as usize, expected);

        // Staff, the public (naming the library) and another library see what they should.
        let staff_view = control_numbers(&deployment, north.admin.token(), None).await;
        assert_eq!(staff_view.len(), expected);
        let public_view = control_numbers(&deployment, None, Some("northshire")).await;
        assert_eq!(public_view, staff_view);
        assert!(control_numbers(&deployment, south.admin.token(), None).await.is_empty());
        let other = deployment
            .graphql("query($id: ID!) { importJob(id: $id) { id } }", json!({ "id": id }), south.admin.token())
            .await;
        assert_eq!(data(&other)["importJob"], Value::Null, "another library cannot see the import");

        // A record reads back as MARCXML with its Hebrew intact.
        let answer = deployment
            .graphql("{ records(first: 30) { nodes { id title marc(syntax: MARC_XML) alternateScripts { text } } } }", json!({}), north.admin.token())
            .await;
        let nodes = data(&answer)["records"]["nodes"].as_array().unwrap().clone();
        assert!(nodes[0]["marc"].as_str().unwrap().contains("<record"));
        assert!(nodes.iter().any(|node| node["alternateScripts"].to_string().chars().any(|c| ('\u{05D0}'..='\u{05EA}').contains(&c))));

        // Staff add a branch and a copy; the public sees it on the shelf, without the
        // staff note.
        let branch = deployment
            .graphql(
                "mutation { saveBranch(input: {code: \"MAIN\", name: \"Central Library\"}) { id } }",
                json!({}),
                north.admin.token(),
            )
            .await;
        let branch_id = data(&branch)["saveBranch"]["id"].as_str().unwrap().to_string();
        let record_id = nodes[0]["id"].as_str().unwrap().to_string();
        let created = deployment
            .graphql(
                "mutation($record: ID!, $branch: ID!) { createItem(recordId: $record, input: {barcode: \"39990001\", branchId: $branch, staffNote: \"rebound\", price: \"12.50\"}) { id status price } }",
                json!({ "record": record_id, "branch": branch_id }),
                north.admin.token(),
            )
            .await;
        assert_eq!(data(&created)["createItem"]["price"], "12.50");
        let seen = deployment
            .graphql(
                "query($id: ID!) { record(id: $id, tenant: \"northshire\") { availability { branchName total available } } itemByBarcode(barcode: \"39990001\", tenant: \"northshire\") { status staffNote record { id } } }",
                json!({ "id": record_id }),
                None,
            )
            .await;
        assert_eq!(data(&seen)["record"]["availability"], json!([{ "branchName": "Central Library", "total": 1, "available": 1 }]));
        assert_eq!(data(&seen)["itemByBarcode"]["status"], "AVAILABLE");
        assert_eq!(data(&seen)["itemByBarcode"]["staffNote"], Value::Null, "the public never sees staff notes");
        assert_eq!(data(&seen)["itemByBarcode"]["record"]["id"], record_id.as_str());
        let elsewhere = deployment
            .graphql("{ itemByBarcode(barcode: \"39990001\") { id } }", json!({}), south.admin.token())
            .await;
        assert_eq!(data(&elsewhere)["itemByBarcode"], Value::Null, "another library's staff cannot find it");

        // The whole catalogue downloads as ISO 2709 that pymarc reads.
        let download = deployment
            .http()
            .get(format!("{}/export/marc?syntax=iso2709", deployment.url()))
            .bearer_auth(north.admin.token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), 200);
        let bytes = download.bytes().await.unwrap();
        let scratch = tempfile::tempdir().unwrap();
        let exported = scratch.path().join("export.mrc");
        std::fs::write(&exported, &bytes).unwrap();
        assert_eq!(pymarc_count(&exported), expected);
        let anonymous = deployment.http().get(format!("{}/export/marc", deployment.url())).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "downloads are for staff");
    }
}

/// Staff's token for a library's administrator (admins are staff too).
fn staff(session: &Session) -> Option<&str> {
    session.token()
}

both_backends! {
    async fn an_import_killed_part_way_resumes_and_holds_every_record_exactly_once(backend) {
        let mut deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__CATALOGUE__IMPORT_BATCH_SIZE", "200")
            .start()
            .await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let path = marc_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc");
        let file = path.display().to_string();

        let port = deployment.gateway().port();
        let mut environment = deployment.gateway().environment().clone();
        environment.insert("ATHENAEUM__SERVER__LISTEN".into(), format!("127.0.0.1:{port}"));
        let log = deployment.log_dir().join("import-marc.log");
        let mut child = athenaeum_command(&environment)
            .args(["import-marc", "--tenant", "northshire", "--no-match", &file])
            .current_dir(deployment.log_dir())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Kill it, as a power cut would, once some batches have committed.
        let deadline = Instant::now() + Duration::from_secs(120);
        let read_at_kill = loop {
            let answer = deployment.graphql("{ importJobs(first: 1) { nodes { recordsRead status } } }", json!({}), staff(&north.admin)).await;
            let read = data(&answer)["importJobs"]["nodes"][0]["recordsRead"].as_i64().unwrap_or(0);
            if read >= 1000 {
                child.kill().unwrap();
                child.wait().unwrap();
                break read;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the import ended before it could be killed:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            assert!(Instant::now() < deadline, "the import made no progress");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(read_at_kill < 10_000, "killed part-way: {read_at_kill}");

        // The same command again resumes where the committed batches end.
        let output = deployment.cli(&["import-marc", "--tenant", "northshire", "--no-match", &file], None).await;
        assert!(output.contains("read 10000"), "{output}");
        let numbers = control_numbers(&deployment, staff(&north.admin), None).await;
        assert_eq!(numbers.len(), 10_000, "every record is in the catalogue");
        let distinct: std::collections::BTreeSet<&String> = numbers.iter().collect();
        assert_eq!(distinct.len(), 10_000, "and none twice");
        let jobs = deployment.graphql("{ importJobs(first: 5) { nodes { status recordsNew recordsOverlaid } } }", json!({}), staff(&north.admin)).await;
        let nodes = data(&jobs)["importJobs"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), 1, "the second run resumed the first job: {nodes:?}");
        assert_eq!(nodes[0]["status"], "COMPLETED");
        assert_eq!(nodes[0]["recordsNew"], 10_000);
    }

    async fn a_server_killed_during_an_uploaded_import_finishes_it_after_restarting(backend) {
        let mut deployment = Deployment::builder(Topology::AllInOne, backend)
            .setting("ATHENAEUM__CATALOGUE__IMPORT_BATCH_SIZE", "200")
            .start()
            .await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let path = marc_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc");
        let started = upload(&deployment, staff(&north.admin), &path).await;
        let id = data(&started)["importMarc"]["id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let answer = deployment
                .graphql(&format!("query($id: ID!) {{ importJob(id: $id) {{ {JOB_FIELDS} }} }}"), json!({ "id": id }), staff(&north.admin))
                .await;
            let job = &data(&answer)["importJob"];
            if job["recordsRead"].as_i64().unwrap_or(0) >= 600 {
                assert_eq!(job["status"], "RUNNING");
                break;
            }
            assert!(Instant::now() < deadline, "the import made no progress: {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        deployment.restart(&[]).await;
        let job = finished_job(&deployment, staff(&north.admin), &id).await;
        assert_eq!(job["status"], "COMPLETED", "{job}");
        assert_eq!(job["recordsNew"], 10_000, "{job}");
        assert_eq!(job["recordsRead"], 10_000, "{job}");
        let numbers = control_numbers(&deployment, staff(&north.admin), None).await;
        assert_eq!(numbers.len(), 10_000);
    }
}

both_backends! {
    async fn a_dry_run_of_the_command_line_says_what_an_import_would_do_and_writes_nothing(backend) {
        let deployment = Deployment::builder(Topology::AllInOne, backend).start().await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let file = marc_file("koha/koha_sample_bibs.clean.marcxml").display().to_string();
        let first = deployment.cli(&["import-marc", "--tenant", "northshire", &file], None).await;
        assert!(first.contains(": imported:"), "{first}");
        let held = control_numbers(&deployment, staff(&north.admin), None).await;
        let versions = "{ records(first: 100) { nodes { id version } } }";
        let before = deployment.graphql(versions, json!({}), staff(&north.admin)).await;

        let output = deployment
            .cli(&["import-marc", "--tenant", "northshire", "--dry-run", &file], None)
            .await;

        assert!(output.contains("previewed, nothing written"), "{output}");
        assert!(output.contains("new 0,"), "nothing in the file is new: {output}");
        assert!(output.contains("matched by 001+003"), "{output}");
        assert_eq!(control_numbers(&deployment, staff(&north.admin), None).await, held);
        let after = deployment.graphql(versions, json!({}), staff(&north.admin)).await;
        assert_eq!(after, before, "no record was overlaid");
        let jobs = deployment
            .graphql("{ importJobs(first: 1) { nodes { mode recordsOverlaid } } }", json!({}), staff(&north.admin))
            .await;
        assert_eq!(data(&jobs)["importJobs"]["nodes"][0]["mode"], "PREVIEW");
    }
}

both_backends! {
    async fn a_split_deployment_takes_an_upload_of_several_chunks_whole(backend) {
        // 9.7 MB: three chunks between the gateway and the library process.
        let deployment = Deployment::split(backend).await;
        let operator = deployment.create_operator().await;
        let north = deployment.onboard_library(&operator, "northshire").await;
        let path = marc_file("loc-books-2016/BooksAll.2016.part01.first10000.mrc");
        let started = upload(&deployment, staff(&north.admin), &path).await;
        let id = data(&started)["importMarc"]["id"].as_str().unwrap().to_string();
        let job = finished_job(&deployment, staff(&north.admin), &id).await;
        assert_eq!(job["status"], "COMPLETED", "{job}");
        assert_eq!(job["recordsNew"], 10_000, "{job}");
        assert_eq!(job["recordsFailed"], 0, "{job}");
    }
}
