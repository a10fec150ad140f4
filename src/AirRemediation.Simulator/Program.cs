// Placeholder entry point; the simulator host is built out in its own change.
return 0;
