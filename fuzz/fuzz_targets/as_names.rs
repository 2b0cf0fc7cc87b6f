//! The CIDR Report `autnums.html` loader on arbitrary bytes: no panic, every
//! malformed AS line reported, names free of control characters (so of line
//! breaks) and of surrounding space.
#![no_main]

use f2b_asn::as_names::AsNames;
use f2b_core::input::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::from_reader("fuzz".into(), std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut names = AsNames::new();
    let mut problems = 0u64;
    let Ok(stats) = names.load(input, &mut |_| {
        problems += 1;
        Ok(())
    }) else {
        return;
    };
    assert_eq!(stats.malformed, problems, "every malformed line reported");
    assert!(names.len() as u64 <= stats.entries);
    for asn in [0, 1, 2, 3, 13335, 4_294_967_295] {
        if let Some(name) = names.get(asn) {
            if let Some(text) = name.name {
                assert!(
                    !text.chars().any(char::is_control),
                    "name with a control character: {text:?}"
                );
                assert_eq!(text, text.trim(), "name with spaces around it: {text:?}");
            }
        }
    }
});
