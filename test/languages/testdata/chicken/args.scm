(import (chicken process-context) (chicken string))
(display (string-intersperse (command-line-arguments) " "))
(newline)
