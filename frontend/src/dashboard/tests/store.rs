//! What the dashboard hands the browser's store, and how a reload restores it: each counted reading once, the
//! cards' counters with them, and the same cards after a restore.

use super::*;

fn stored(d: &mut Dashboard) -> StoreBatch {
    d.take_for_store().unwrap_or_default()
}

#[test]
fn nothing_is_kept_for_the_store_until_it_is_switched_on() {
    let mut d = dashboard();
    live_at(&mut d, 1_000, PRIMARY, "temperature", 20.0, "broker-primary", 1);
    assert_eq!(d.take_for_store(), None);
}

#[test]
fn every_counted_reading_goes_to_the_store_once_with_the_cards_it_changed() {
    let mut d = dashboard();
    d.keep_for_store(1_000);
    live_at(&mut d, 1_000, PRIMARY, "temperature", 20.0, "broker-primary", 1);
    live_at(&mut d, 1_001, SECONDARY, "temperature", 20.0, "broker-primary", 1);
    live_at(&mut d, 3_000, SECONDARY, "temperature", 21.0, "broker-secondary", 2);
    d.apply(at(
        received(
            PRIMARY,
            "sensor/humidity",
            &reading("humidity", 50.0, "broker-primary", "b", 9),
            true,
        ),
        3_500,
    ));
    let batch = stored(&mut d);
    let keys: Vec<(&str, Option<u64>, &str, Option<&str>)> = batch
        .records
        .iter()
        .map(|r| (r.sensor.as_str(), r.seq, r.broker_used.as_str(), r.unit.as_deref()))
        .collect();
    assert_eq!(
        keys,
        [
            ("temperature", Some(1), "broker-primary", Some("°C")),
            ("temperature", Some(2), "broker-secondary", Some("°C"))
        ],
        "the duplicate and the retained value are not stored"
    );
    assert_eq!(batch.sensors.len(), 1, "a retained value changes no stored counter");
    assert_eq!((batch.sensors[0].readings, batch.sensors[0].duplicates), (2, 1));
    assert_eq!(d.take_for_store(), None, "taken once");
    live_at(&mut d, 5_000, PRIMARY, "temperature", 20.0, "broker-primary", 1);
    let again = stored(&mut d);
    assert!(again.records.is_empty());
    assert_eq!(
        again.sensors[0].duplicates, 2,
        "a duplicate alone still saves the card's counters"
    );
}

#[test]
fn a_restored_dashboard_shows_the_same_cards_and_counts_on_without_double_counting() {
    let mut before = dashboard();
    before.keep_for_store(1_000);
    for (seq, at_ms) in [(1, 1_000), (2, 3_000), (5, 9_000)] {
        live_at(
            &mut before,
            at_ms,
            PRIMARY,
            "temperature",
            seq as f64,
            "broker-primary",
            seq,
        );
    }
    live_at(
        &mut before,
        11_000,
        SECONDARY,
        "temperature",
        6.0,
        "broker-secondary",
        6,
    );
    let batch = stored(&mut before);
    let saved = batch.sensors.clone();

    let mut after = dashboard();
    after.restore(saved, &batch.records);
    let (b, a) = (
        before.sensor("temperature").unwrap(),
        after.sensor("temperature").unwrap(),
    );
    assert_eq!((a.readings, a.lost(), a.duplicates), (4, 2, 0));
    assert_eq!((a.readings, a.lost()), (b.readings, b.lost()));
    assert_eq!(a.history.points(), b.history.points());
    assert_eq!(a.switches, b.switches);
    assert_eq!(a.gaps, [9_000]);
    assert_eq!(a.value_text(), b.value_text());

    after.keep_for_store(1_000);
    live_at(&mut after, 12_000, PRIMARY, "temperature", 6.0, "broker-secondary", 6);
    live_at(&mut after, 13_000, PRIMARY, "temperature", 3.0, "broker-primary", 3);
    let a = after.sensor("temperature").unwrap();
    assert_eq!(
        (a.readings, a.lost(), a.duplicates),
        (5, 1, 1),
        "a replay is a duplicate, a late one fills its gap"
    );
    assert_eq!(stored(&mut after).records.len(), 1);
    let mut damaged = batch.sensors[0].clone();
    damaged.sequence.gaps = vec![[9, 3, 1], [2, 5, 1], [0, 1, 1]];
    let mut from_damage = dashboard();
    from_damage.restore(vec![damaged], &[]);
    assert_eq!(
        from_damage.sensor("temperature").map(Sensor::lost),
        Some(2),
        "bad gaps are left out"
    );
}

#[test]
fn beyond_the_batch_bound_readings_are_counted_but_neither_copied_nor_stored() {
    let mut d = dashboard();
    d.keep_for_store(2);
    for seq in 1..=5 {
        live_at(&mut d, seq * 1_000, PRIMARY, "temperature", 20.0, "broker-primary", seq);
    }
    let batch = stored(&mut d);
    assert_eq!(batch.records.iter().filter_map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!((batch.skipped, batch.sensors[0].readings), (3, 5));
    live_at(&mut d, 9_000, PRIMARY, "temperature", 20.0, "broker-primary", 6);
    assert_eq!(stored(&mut d).records.len(), 1, "the bound is per batch");
}

fn seqs(batch: &StoreBatch) -> Vec<(&str, u64)> {
    batch
        .records
        .iter()
        .filter_map(|r| Some((r.sensor.as_str(), r.seq?)))
        .collect()
}

#[test]
fn a_block_still_filling_is_held_until_its_sensor_moves_past_it_or_its_readings_are_hold_ms_old() {
    let mut d = dashboard();
    d.keep_for_store(1_000);
    live_at(&mut d, 1_000, PRIMARY, "temperature", 20.0, "broker-primary", 62);
    live_at(&mut d, 1_000, PRIMARY, "humidity", 50.0, "broker-primary", 5);
    live_at(&mut d, 1_100, PRIMARY, "temperature", 20.0, "broker-primary", 63);
    let first = d.take_due_for_store(2_000).unwrap_or_default();
    assert!(first.records.is_empty(), "both blocks still fill");
    assert_eq!(first.sensors.len(), 2, "the cards' counters go at once");

    live_at(&mut d, 1_200, PRIMARY, "temperature", 20.0, "broker-primary", 64);
    let second = d.take_due_for_store(2_000).unwrap_or_default();
    assert_eq!(
        seqs(&second),
        [("temperature", 62), ("temperature", 63)],
        "seq 64 closed block 0"
    );

    let third = d.take_due_for_store(1_000 + HOLD_MS).unwrap_or_default();
    assert_eq!(seqs(&third), [("humidity", 5)], "held for HOLD_MS at most");
    let everything = d.take_for_store().unwrap_or_default();
    assert_eq!(
        seqs(&everything),
        [("temperature", 64)],
        "a page going away takes what is held too"
    );
    assert_eq!(d.take_for_store(), None);
}

#[test]
fn a_new_boot_closes_the_old_boots_block() {
    let mut d = dashboard();
    d.keep_for_store(1_000);
    live_at(&mut d, 1_000, PRIMARY, "temperature", 20.0, "broker-primary", 7);
    assert!(d.take_due_for_store(1_500).unwrap_or_default().records.is_empty());
    d.apply(at(
        received(
            PRIMARY,
            "sensor/temperature",
            &reading("temperature", 21.0, "broker-primary", "second-boot", 1),
            false,
        ),
        1_600,
    ));
    assert_eq!(
        seqs(&d.take_due_for_store(1_700).unwrap_or_default()),
        [("temperature", 7)]
    );
}
