//! Identity's mail as people meet it, on SQLite and PostgreSQL: an invitation written to
//! a file (the embedded default) carries its whole link on one line, and operators (only
//! they) read what was sent, with one-time links withheld.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[allow(dead_code, reason = "each test file uses its own part of the shared fixtures")]
mod support;

use std::path::Path;
use std::sync::Arc;

use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::{AccountRole, ListMail, MailId, MailStatus, PageRequest};
use athenaeum_identity::mail::IdentityMail;
use athenaeum_kernel::ErrorCode;
use athenaeum_mail::{MailConfig, MailTransport, MailWorker, WITHHELD};
use athenaeum_testkit::both_backends;
use athenaeum_transport::Call;
use support::{PUBLIC_URL, World, call_with, refused};

/// Sends everything due through the embedded default's transport, files in `dir`.
async fn write_mail_files(world: &World, dir: &Path) -> u32 {
    let worker = MailWorker::new(
        world.db.database.clone(),
        Arc::new(IdentityMail),
        MailTransport::file(dir).unwrap(),
        MailConfig::default(),
    )
    .unwrap();
    worker.deliver_due().await.unwrap().sent
}

fn eml_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

both_backends! {
    async fn an_invitation_written_to_a_file_carries_the_whole_link_on_one_line(backend) {
        let world = World::start(backend).await;
        world.onboard("northshire").await;
        let link = world.newest_mail("admin@northshire.example", "invitation").await.link;
        assert!(link.starts_with(&format!("{PUBLIC_URL}/accept-invitation?token=")), "{link}");
        assert!(link.len() > 76, "a link quoted-printable would wrap: {link}");
        let dir = world.db.databases.data_path().join("mail-files");

        assert_eq!(write_mail_files(&world, &dir).await, 1);

        let files = eml_files(&dir);
        assert_eq!(files.len(), 1);
        let lines: Vec<&str> = files[0].split("\r\n").collect();
        assert!(lines.contains(&link.as_str()), "no line is the link {link}:\n{}", files[0]);
        assert!(!files[0].contains("=\r\n"), "a soft line break:\n{}", files[0]);
    }

    async fn operators_read_the_mail_sent_with_one_time_links_withheld(backend) {
        let world = World::start(backend).await;
        let northshire = world.library("northshire").await;
        world.invite(&northshire, "reader@northshire.example", &[AccountRole::Patron]).await;
        let link = world.newest_mail("reader@northshire.example", "invitation").await.link;
        let dir = world.db.databases.data_path().join("mail-files");
        assert_eq!(write_mail_files(&world, &dir).await, 2);

        let listed = world
            .service
            .list_mail(&world.operator, ListMail { status: Some(MailStatus::Sent), page: PageRequest { after: None, first: 100 } })
            .await
            .unwrap();
        let invitation = listed.mail.iter().find(|mail| mail.recipient == "reader@northshire.example").unwrap();
        assert_eq!(invitation.subject.as_deref(), Some("You are invited to northshire libraries on Athenaeum"));
        let read = world.service.get_mail(&world.operator, MailId { mail_id: invitation.id.clone() }).await.unwrap();
        assert_eq!(&read, invitation);
        let text = read.text_body.unwrap();
        assert!(text.starts_with("Hello Reader reader@northshire.example,\n\nYou have been given an account at northshire libraries."), "{text}");
        assert!(text.contains(&format!("\n\n{WITHHELD}\n\n")), "{text}");
        assert!(!text.contains(&link) && !text.contains("token="), "{text}");

        let missing = world.service.get_mail(&world.operator, MailId { mail_id: "no-such-mail".into() }).await;
        refused(missing, ErrorCode::NotFound);
    }

    async fn no_one_but_an_operator_reads_the_mail_sent(backend) {
        let world = World::start(backend).await;
        let northshire = world.library("northshire").await;
        let dir = world.db.databases.data_path().join("mail-files");
        write_mail_files(&world, &dir).await;
        let listed = world
            .service
            .list_mail(&world.operator, ListMail { status: None, page: PageRequest { after: None, first: 100 } })
            .await
            .unwrap();
        let mail_id = listed.mail[0].id.clone();
        let staff = world.member(&northshire, "desk@northshire.example", &[AccountRole::Staff]).await;

        for call in [northshire.admin_call(), call_with(&staff.access_token)] {
            refused(world.service.get_mail(&call, MailId { mail_id: mail_id.clone() }).await, ErrorCode::Forbidden);
            let page = ListMail { status: None, page: PageRequest { after: None, first: 100 } };
            refused(world.service.list_mail(&call, page).await, ErrorCode::Forbidden);
        }
        refused(world.service.get_mail(&Call::anonymous(), MailId { mail_id }).await, ErrorCode::Unauthenticated);
    }
}
