//! SMEV 3 (1.1, 1.2, 1.3) SOAP and JSON envelope codecs and faults; no I/O.
