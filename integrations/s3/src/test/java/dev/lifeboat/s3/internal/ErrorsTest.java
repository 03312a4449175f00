package dev.lifeboat.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.StoreException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which TLS failures are the certificate's (permanent, said so) and which stay network errors (retried). */
class ErrorsTest {
    static Throwable chain(Throwable... causes) {
        for (int i = 0; i < causes.length - 1; i++) {
            causes[i].initCause(causes[i + 1]);
        }
        return SdkClientException.builder().message("Unable to execute HTTP request: " + causes[0].getMessage())
                .cause(causes[0]).build();
    }

    @Test
    void aCertificateRefusedInTheHandshakeIsPermanent() {
        Throwable t = chain(new SSLHandshakeException("PKIX path building failed"),
                new CertificateException("PKIX path building failed: unable to find valid certification path"));
        StoreException e = Errors.map("list", "s3://b/", t, null);
        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains("TLS certificate is not accepted (PKIX path building failed: unable to find");
    }

    @Test
    void aRevocationCheckThatCouldNotRunStaysANetworkError() {
        Throwable t = chain(new SSLHandshakeException("revocation"), new CertificateException("revocation"),
                new CertPathValidatorException("Unable to determine revocation status due to network error", null, null,
                        -1, CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS));
        StoreException e = Errors.map("list", "s3://b/", t, null);
        assertThat(e.isTransient()).isTrue();
        assertThat(e.getMessage()).doesNotContain("TLS certificate");
    }

    @Test
    void aCertificateProblemOutsideAHandshakeIsNotBlamedOnTheService() {
        // e.g. a local trust store that cannot be loaded
        assertThat(Errors.certificateProblem(chain(new java.io.IOException("keystore"), new CertificateException("bad store"))))
                .isNull();
    }
}
