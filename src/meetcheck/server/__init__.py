"""`meetcheck serve`: the test-meeting server (HTTP, WebRTC, STUN) a secretariat runs."""
