//! End-to-end tests: the gateway on port 0 with real stores, simulators and SMTP.
