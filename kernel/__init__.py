"""The kernel: what every app may import; it imports no app (only the standard library, Django and libraries)."""
