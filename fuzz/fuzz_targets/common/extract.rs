//! What the fuzz targets of f2b-extract's message work share.

use f2b_extract::mailbox::RawMessage;
use f2b_extract::record::Fields;

/// libFuzzer aborts on every panic. f2b-extract catches a panic of the MIME
/// parser (mail-parser's internal `debug_assert!`s fire on mangled MIME in
/// builds with debug assertions, as fuzz builds are) and skips the message
/// as unreadable, as the product does; so those, and only those, may unwind.
pub fn let_mime_parser_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info
                .location()
                .is_some_and(|l| l.file().contains("/mail-parser-"))
            {
                abort(info);
            }
        }));
    });
}

/// `data` as one message of a mailbox.
pub fn raw_message(data: &[u8]) -> RawMessage {
    RawMessage {
        src: "fuzz".into(),
        bytes: data.to_vec(),
        envelope: None,
        oversize: false,
    }
}

/// Every optional record field and kind: the most code exercised.
pub const ALL_FIELDS: Fields = Fields {
    events: true,
    template: true,
};
