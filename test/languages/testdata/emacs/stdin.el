;; Emacs reads standard input only line by line (read-from-minibuffer), which
;; cannot tell whether the last line had a newline: read it as a file.
(with-temp-buffer
  (let ((coding-system-for-read 'utf-8-unix))
    (insert-file-contents "/dev/stdin"))
  (princ (buffer-string)))
