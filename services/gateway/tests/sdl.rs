//! The published schema file must be exactly what the code serves.

#[test]
fn schema_file_matches_the_served_schema() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/athenaeum.graphql");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    let served = athenaeum_gateway::sdl();
    if std::env::var_os("ATHENAEUM_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &served).unwrap();
        return;
    }
    assert!(
        on_disk == served,
        "schema/athenaeum.graphql is stale: regenerate it with \
         `ATHENAEUM_WRITE_SCHEMA=1 cargo nextest run -p athenaeum-gateway --test sdl` \
         (or `athenaeum schema > schema/athenaeum.graphql`) and review the diff"
    );
}
