declare const __LOGBOOK_VERSION__: string;
