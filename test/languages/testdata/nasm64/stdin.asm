section .bss
    buf resb 4096

section .text
    global _start
_start:
.loop:
    xor rax, rax        ; read
    xor rdi, rdi        ; stdin
    lea rsi, [rel buf]
    mov rdx, 4096
    syscall
    cmp rax, 0
    jle .done
    mov rdx, rax
    mov rax, 1          ; write
    mov rdi, 1
    lea rsi, [rel buf]
    syscall
    jmp .loop
.done:
    mov rax, 60
    xor rdi, rdi
    syscall
