//! The CPU / memory combinations AWS Fargate accepts for a task.

/// Memory sizes (MiB) Fargate accepts for a CPU size (units), or `None` for an unsupported CPU size.
pub fn memory_options(cpu: u32) -> Option<Vec<u32>> {
    let (from, to, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    };
    Some((from..=to).step_by(step).collect())
}

/// Whether Fargate runs a task with this CPU and memory.
pub fn is_valid_pair(cpu: u32, memory: u32) -> bool {
    memory_options(cpu).is_some_and(|options| options.contains(&memory))
}

/// Human description of the accepted memory sizes for `cpu`, or of the accepted CPU sizes.
pub fn allowed_for(cpu: u32) -> String {
    match memory_options(cpu) {
        Some(options) if options.len() <= 4 => format!(
            "memory for cpu {cpu}: {}",
            options
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(options) => format!(
            "memory for cpu {cpu}: {} to {} in steps of {}",
            options[0],
            options[options.len() - 1],
            options[1] - options[0]
        ),
        None => "cpu one of 256, 512, 1024, 2048, 4096, 8192, 16384".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_pairs_of_the_services_table() {
        assert!(is_valid_pair(512, 1024));
        assert!(is_valid_pair(256, 512));
        assert!(is_valid_pair(1024, 2048));
        assert!(is_valid_pair(16384, 122880));
    }

    #[test]
    fn rejects_pairs_fargate_does_not_run_and_explains_the_options() {
        assert!(!is_valid_pair(256, 4096));
        assert!(!is_valid_pair(512, 1536));
        assert!(!is_valid_pair(300, 1024));
        assert_eq!(allowed_for(256), "memory for cpu 256: 512, 1024, 2048");
        assert_eq!(
            allowed_for(1024),
            "memory for cpu 1024: 2048 to 8192 in steps of 1024"
        );
        assert_eq!(
            allowed_for(300),
            "cpu one of 256, 512, 1024, 2048, 4096, 8192, 16384"
        );
    }
}
