section .data
    space db " "
    newline db 10

section .text
    global _start

; write(1, rsi, rdx)
print:
    mov rax, 1
    mov rdi, 1
    syscall
    ret

_start:
    mov r12, [rsp]      ; argc
    lea r13, [rsp + 8]  ; argv
    mov rbx, 1
.loop:
    cmp rbx, r12
    jge .done
    cmp rbx, 1
    je .word
    lea rsi, [rel space]
    mov rdx, 1
    call print
.word:
    mov rsi, [r13 + rbx * 8]
    xor rdx, rdx
.len:
    cmp byte [rsi + rdx], 0
    je .write
    inc rdx
    jmp .len
.write:
    call print
    inc rbx
    jmp .loop
.done:
    lea rsi, [rel newline]
    mov rdx, 1
    call print
    mov rax, 60
    xor rdi, rdi
    syscall
