// Module RaftStorage: see docs/ARCHITECTURE.md.
