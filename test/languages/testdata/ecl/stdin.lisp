(loop for c = (read-char *standard-input* nil nil)
      while c
      do (write-char c))
(finish-output)
