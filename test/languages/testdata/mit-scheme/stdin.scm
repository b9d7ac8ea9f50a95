(let loop ()
  (let ((chunk (read-string 4096)))
    (if (not (eof-object? chunk))
        (begin (write-string chunk) (loop)))))
