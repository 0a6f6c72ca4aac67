//! Plugins' records and e-mail (contract 1.3.0) on both dialects: conditions hold across two nodes racing,
//! a one-time record is deleted once, expired records leave with their tags, a mail key is queued once and
//! handed to one node at a time.

use gateway_store::{NewMail, PluginRecordWrite, PutOutcome, WriteCondition};

use crate::common::databases;

fn write<'a>(key: &'a str, tags: &'a [String], condition: WriteCondition) -> PluginRecordWrite<'a> {
    PluginRecordWrite {
        plugin: "admission",
        collection: "notices",
        key,
        value: b"{}",
        at: 1_000,
        expires_at: Some(50_000),
        tags,
        condition,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_nodes_writing_an_absent_record_at_once_exactly_one_wins() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let mut races = Vec::new();
        for i in 0..20 {
            let (a, b) = (a.clone(), b.clone());
            races.push(tokio::spawn(async move {
                let key = format!("case-1/contact-{i}");
                let tags = vec![format!("tag-{i}")];
                let wa = write(&key, &tags, WriteCondition::Absent);
                let wb = write(&key, &tags, WriteCondition::Absent);
                let (ra, rb) = tokio::join!(
                    a.put_plugin_record(&wa, 1_000),
                    b.put_plugin_record(&wb, 1_000)
                );
                (ra.unwrap(), rb.unwrap())
            }));
        }
        for race in races {
            let outcomes = race.await.unwrap();
            let won = [&outcomes.0, &outcomes.1]
                .iter()
                .filter(|o| matches!(o, PutOutcome::Written(1)))
                .count();
            assert_eq!(won, 1, "{d:?}: {outcomes:?}");
        }
        assert_eq!(db.scalar("SELECT COUNT(*) FROM plugin_records").await, 20);
        // Deleting a one-time record at once from both nodes: exactly one deletes it.
        let (da, dbb) = tokio::join!(
            a.delete_plugin_record("admission", "notices", "case-1/contact-3", 2_000),
            b.delete_plugin_record("admission", "notices", "case-1/contact-3", 2_000)
        );
        assert_eq!(
            [da.unwrap(), dbb.unwrap()].iter().filter(|x| **x).count(),
            1,
            "{d:?}"
        );
        // A version condition: the stale writer loses.
        let w = write("case-1/contact-4", &[], WriteCondition::Version(1));
        assert_eq!(
            a.put_plugin_record(&w, 3_000).await.unwrap(),
            PutOutcome::Written(2)
        );
        assert!(matches!(
            b.put_plugin_record(&w, 3_000).await.unwrap(),
            PutOutcome::Conflict(Some(r)) if r.version == 2
        ));
        // Expiry: gone for reads at once, deleted with the tags by the sweep.
        assert_eq!(
            a.query_plugin_records("admission", "notices", "tag-5", 0, 10_000, 10, 49_999)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            a.query_plugin_records("admission", "notices", "tag-5", 0, 10_000, 10, 50_000)
                .await
                .unwrap()
                .is_empty()
        );
        let report = a.sweep(60_000).await.unwrap();
        assert_eq!(report.plugin_records_deleted, 19, "{d:?}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM plugin_record_tags").await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mail_key_is_queued_once_and_sent_by_one_node() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let mail = |key: &'static str| NewMail {
            plugin: "admission",
            key,
            recipient: "org@primer.example",
            subject: "QR",
            body: "body",
            files: b"files",
            created_at: 1_000,
            forget_at: 90_000,
        };
        let (ma, mb) = (mail("qr/A"), mail("qr/A"));
        let (qa, qb) = tokio::join!(a.queue_mail(&ma), b.queue_mail(&mb));
        assert_eq!(
            [qa.unwrap(), qb.unwrap()].iter().filter(|x| **x).count(),
            1,
            "{d:?}"
        );
        let (ta, tb) = tokio::join!(a.take_mail(1_000, 5_000), b.take_mail(1_000, 5_000));
        let (ta, tb) = (ta.unwrap(), tb.unwrap());
        assert_eq!(
            ta.is_some() as u8 + tb.is_some() as u8,
            1,
            "{d:?}: one node takes it"
        );
        let (winner, loser) = if ta.is_some() { (&a, &b) } else { (&b, &a) };
        // Only the lease holder records the delivery.
        loser
            .mail_sent("admission", "qr/A", 2_000, 90_000)
            .await
            .unwrap();
        assert_eq!(winner.pending_mail().await.unwrap(), 1);
        winner
            .mail_sent("admission", "qr/A", 2_000, 90_000)
            .await
            .unwrap();
        assert_eq!(winner.pending_mail().await.unwrap(), 0);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE body IS NULL AND files IS NULL")
                .await,
            1,
            "{d:?}: content erased once sent"
        );
        assert!(!a.queue_mail(&mail("qr/A")).await.unwrap(), "{d:?}");
        assert_eq!(a.sweep(90_000).await.unwrap().mail_forgotten, 1);
    }
}
