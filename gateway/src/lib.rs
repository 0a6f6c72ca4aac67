//! The SMEV-style integration gateway: CLI, config, HTTP server, router, jobs.
