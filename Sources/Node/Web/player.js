// placeholder: the live player (RaftcastPlayer) comes from the lead's branch
