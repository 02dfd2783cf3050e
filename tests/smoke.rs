mod common;

#[test]
fn no_action_prints_error_and_exits_zero() {
    let sb = common::Sandbox::new();
    let out = sb.dkms(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "\nError! Unknown action specified: \"\"\n"
    );
}
