(define (join words)
  (if (null? words)
      ""
      (fold-left (lambda (acc w) (string-append acc " " w)) (car words) (cdr words))))
(display (join (command-line-arguments)))
(newline)
