#lang racket/base
(require racket/string)
(displayln (string-join (vector->list (current-command-line-arguments)) " "))
