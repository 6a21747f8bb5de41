use std::collections::{HashMap, HashSet};

pub struct Config {
    pub port: u16,
    pub host: String,
}

pub enum Mode {
    Read,
    Write,
}

impl Config {
    pub fn new() -> Self {
        Config { port: 80, host: String::new() }
    }
}

pub fn run(c: &Config) -> u16 {
    c.port
}
