section .text
    global _start
_start:
    mov eax, 1
    mov ebx, 3
    int 0x80
