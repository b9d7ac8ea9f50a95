section .data
    msg db "SHOULD-NOT-RUN", 10

section .text
    global _start
_start:
    mov rax, not_a_register_or_label
    syscall
