//! Any bytes as robots.txt: parsing and matching never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(robot) = texting_robots::Robot::new("cited", data) {
        for path in ["/", "/private/x", "/a%2Fb?q=1", "/%E2%82%AC"] {
            let _ = robot.allowed(&format!("http://fuzz.test{path}"));
        }
        let _ = robot.delay;
    }
});
