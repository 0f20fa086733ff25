/** Exit codes of every command (architecture page): 0 success, 1 failed checks or tests, 2 bad usage or config. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a command stopped by Ctrl-C (`scan`). */
export const EXIT_INTERRUPTED = 130;
