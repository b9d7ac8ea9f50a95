(define (join words)
  (if (null? words)
      ""
      (apply string-append (car words) (map (lambda (w) (string-append " " w)) (cdr words)))))
; (command-line) starts with the program's own name.
(display (join (cdr (command-line))))
(newline)
