//! Landlock: the second, independent layer over the sandbox's file rules.
