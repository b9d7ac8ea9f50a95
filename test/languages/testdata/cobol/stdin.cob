       IDENTIFICATION DIVISION.
       PROGRAM-ID. MAIN.
       DATA DIVISION.
       WORKING-STORAGE SECTION.
       01 BUF PIC X(4096).
       01 N   BINARY-LONG SIGNED.
       PROCEDURE DIVISION.
           PERFORM WITH TEST AFTER UNTIL N <= 0
               CALL "read" USING BY VALUE 0 BY REFERENCE BUF
                   BY VALUE 4096 RETURNING N
               IF N > 0
                   CALL "write" USING BY VALUE 1 BY REFERENCE BUF
                       BY VALUE N
               END-IF
           END-PERFORM.
           MOVE 0 TO RETURN-CODE.
           STOP RUN.
