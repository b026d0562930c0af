//! The emulator's quirks (MiniStack 1.5.33, where it answers unlike AWS) and the workarounds
//! the code keeps for them, one test per quirk, named after it. Each test shows the quirk is
//! still there (so a MiniStack upgrade that drops one says so) and exercises the workaround on
//! the real emulator: removing the workaround fails the test.
//!
//! Not here: `GetFunction` with a version `Qualifier` serves `$LATEST`'s package at
//! `Code.Location` (aws-facts §10). Nothing in secretslab downloads code packages yet, so no
//! workaround exists to test. Checked on 1.5.33 and found to answer as AWS does, so no longer
//! quirks: `Invoke` with `LogType=Tail` returns a `LogResult`, and IAM returns a role's trust
//! policy URL-encoded (the code still accepts either, as DESIGN §5 asks).

mod lambda;
mod parameters;
mod secrets;
