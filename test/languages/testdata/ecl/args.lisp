;; With --shell, ECL leaves the script's name and its arguments unprocessed.
(format t "~{~A~^ ~}~%" (rest ext:*unprocessed-ecl-command-args*))
