//! Generate the bindings from the checked-in schema subset (see scripts/update-aws-schema).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=schema/aws.json");
    pulumi_gestalt_build::generate_from_schema(std::path::Path::new("schema/aws.json"))
        .map_err(|e| format!("generating bindings: {e:#}"))?;
    Ok(())
}
