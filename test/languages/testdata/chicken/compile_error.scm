(display "SHOULD-NOT-RUN")
(newline)
(define (broken x)
  (+ x 1)
