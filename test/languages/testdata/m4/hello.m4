define(`GREETING', `Hello, World!')dnl
GREETING
