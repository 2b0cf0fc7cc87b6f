//! The mbox splitter on arbitrary bytes, with a small message limit so that
//! the oversize path is reached: no panic, every byte accounted for, each
//! message within the limit, sources in increasing offset order.
#![no_main]

use f2b_extract::mailbox::MboxSplitter;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let mut splitter = MboxSplitter::new("fuzz".into(), std::io::Cursor::new(data.to_vec()))
        .with_max_message(LIMIT);
    let mut total = 0usize;
    let mut last_offset: Option<u64> = None;
    loop {
        match splitter.next_message() {
            Ok(Some(message)) => {
                assert!(message.bytes.len() <= LIMIT || !message.oversize);
                if message.oversize {
                    assert!(message.bytes.is_empty());
                } else {
                    assert!(message.bytes.len() <= LIMIT, "message over the limit kept");
                }
                total += message.bytes.len();
                assert!(total <= data.len(), "more message bytes than input");
                let offset: u64 = message
                    .src
                    .rsplit(':')
                    .next()
                    .and_then(|o| o.parse().ok())
                    .expect("src is NAME:OFFSET");
                assert!(
                    last_offset.is_none_or(|last| offset > last),
                    "offsets increase"
                );
                assert!(offset <= data.len() as u64);
                last_offset = Some(offset);
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
});
