// The seed's words (exit 75), kept in one small module so printing them loads nothing else.
export const DEFERRED_SAVE = "sync deferred — another sync is running; your session log is written locally and will sync on the next run";
export const DEFERRED_OTHER = "sync deferred — another sync is running; your changes are kept locally and will sync on the next run";
