section .data
    msg db "Hello, World!", 10
    len equ $ - msg

section .text
    global _start
_start:
    mov eax, 4          ; write
    mov ebx, 1          ; stdout
    mov ecx, msg
    mov edx, len
    int 0x80
    mov eax, 1          ; exit
    xor ebx, ebx
    int 0x80
