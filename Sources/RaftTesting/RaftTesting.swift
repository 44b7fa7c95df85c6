// Module RaftTesting: see docs/ARCHITECTURE.md.
