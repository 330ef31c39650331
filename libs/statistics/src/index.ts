// Paired statistics for comparing two evaluation runs (pure functions, no I/O).
export {};
