print -r -- "Hello, World!"
