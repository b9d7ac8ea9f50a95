section .bss
    buf resb 4096

section .text
    global _start
_start:
.loop:
    mov eax, 3          ; read
    xor ebx, ebx        ; stdin
    mov ecx, buf
    mov edx, 4096
    int 0x80
    cmp eax, 0
    jle .done
    mov edx, eax
    mov eax, 4          ; write
    mov ebx, 1
    mov ecx, buf
    int 0x80
    jmp .loop
.done:
    mov eax, 1
    xor ebx, ebx
    int 0x80
