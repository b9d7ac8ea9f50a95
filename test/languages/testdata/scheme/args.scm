(display (string-join (cdr (command-line)) " "))
(newline)
